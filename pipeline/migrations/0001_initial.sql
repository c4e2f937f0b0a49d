-- Service state. Timestamps are UTC; JSON columns hold the zod-checked shapes of schemas/.

CREATE TABLE api_keys (
  id text PRIMARY KEY,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('uploader', 'reviewer', 'consumer', 'admin')),
  -- sha256 of the key: keys are long random strings, so a fast hash is enough and lookups stay O(1).
  key_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

CREATE TABLE batches (
  id text PRIMARY KEY,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per distinct content (sha256): the same bytes uploaded twice are one document.
CREATE TABLE documents (
  id text PRIMARY KEY,
  sha256 text NOT NULL UNIQUE,
  file_name text NOT NULL,
  format text NOT NULL,
  size_bytes integer NOT NULL,
  storage_key text NOT NULL,
  status text NOT NULL CHECK (status IN ('processing', 'posted', 'review', 'failed')),
  -- Bumped by reprocessing; job ids and idempotency keys include it.
  revision integer NOT NULL DEFAULT 1,
  page_count integer,
  doc_type text,
  department text,
  class_confidence double precision,
  fields jsonb,
  reasons jsonb,
  failure jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX documents_status ON documents (status);

CREATE TABLE batch_documents (
  batch_id text NOT NULL REFERENCES batches (id),
  position integer NOT NULL,
  document_id text NOT NULL REFERENCES documents (id),
  file_name text NOT NULL,
  duplicate_of text,
  PRIMARY KEY (batch_id, position)
);
CREATE INDEX batch_documents_document ON batch_documents (document_id);

CREATE TABLE pages (
  document_id text NOT NULL REFERENCES documents (id),
  number integer NOT NULL,
  revision integer NOT NULL,
  read jsonb NOT NULL,
  image_key text NOT NULL,
  PRIMARY KEY (document_id, number)
);

-- The audit trail: appended to, never changed (the trigger below refuses updates and deletes).
CREATE TABLE events (
  id bigserial PRIMARY KEY,
  document_id text NOT NULL REFERENCES documents (id),
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  type text NOT NULL,
  data jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX events_document ON events (document_id, id);

CREATE FUNCTION events_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only';
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION events_append_only();

-- The transactional outbox: a posted record is written here in the same transaction as the
-- document's status, then relayed to its department queue. seq is the records API's cursor.
CREATE TABLE outbox (
  seq bigserial PRIMARY KEY,
  record_id text NOT NULL UNIQUE,
  idempotency_key text NOT NULL UNIQUE,
  document_id text NOT NULL REFERENCES documents (id),
  department text NOT NULL,
  doc_type text NOT NULL,
  record jsonb NOT NULL,
  posted_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
CREATE INDEX outbox_department ON outbox (department, seq);
CREATE INDEX outbox_unsent ON outbox (seq) WHERE sent_at IS NULL;

CREATE TABLE review_tasks (
  id text PRIMARY KEY,
  document_id text NOT NULL REFERENCES documents (id),
  revision integer NOT NULL,
  department text,
  doc_type text NOT NULL,
  reasons jsonb NOT NULL,
  priority integer NOT NULL,
  due_at timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'claimed', 'done')),
  claimed_by text,
  lease_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (document_id, revision)
);
CREATE INDEX review_tasks_open ON review_tasks (status, priority, due_at);
