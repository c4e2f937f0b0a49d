-- Review: how a task ended, and the per-vendor memory that approved corrections teach.

ALTER TABLE review_tasks ADD COLUMN outcome text CHECK (outcome IN ('approved', 'rejected'));
ALTER TABLE review_tasks ADD COLUMN done_at timestamptz;

-- A vendor is whoever issued a kind of document: known by its normalised name, its tax id, or
-- the words its page template always prints (layout), whichever a new document shows.
CREATE TABLE vendors (
  id text PRIMARY KEY,
  doc_type text NOT NULL,
  name text NOT NULL,
  name_key text,
  tax_id text,
  layout jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX vendors_name_key ON vendors (doc_type, name_key) WHERE name_key IS NOT NULL;
CREATE INDEX vendors_tax_id ON vendors (doc_type, tax_id) WHERE tax_id IS NOT NULL;

-- What one approved correction taught. Entries are reverted, not deleted, so the memory's
-- history stays readable next to the audit events that record each change.
CREATE TABLE vendor_memory (
  id text PRIMARY KEY,
  vendor_id text NOT NULL REFERENCES vendors (id),
  document_id text NOT NULL REFERENCES documents (id),
  field text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('position', 'date-order', 'number-locale')),
  data jsonb NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  reverted_at timestamptz,
  reverted_by text
);
CREATE INDEX vendor_memory_vendor ON vendor_memory (vendor_id, created_at) WHERE reverted_at IS NULL;
