-- Multi-document files: each document found in a file is a row of its own (a part) pointing at
-- the file's row, which becomes 'split'. Parts share the file's bytes, so sha256 is unique only
-- among files. A part a reviewer's regrouping removed is kept, 'superseded', for its audit trail.
ALTER TABLE documents ADD COLUMN parent_id text REFERENCES documents (id);
-- On a part: its SplitInfo (schemas/record.ts). On a split file: the page groups and who set them.
ALTER TABLE documents ADD COLUMN split jsonb;
ALTER TABLE documents DROP CONSTRAINT documents_sha256_key;
CREATE UNIQUE INDEX documents_sha256_file ON documents (sha256) WHERE parent_id IS NULL;
CREATE INDEX documents_parent ON documents (parent_id) WHERE parent_id IS NOT NULL;
ALTER TABLE documents DROP CONSTRAINT documents_status_check;
ALTER TABLE documents ADD CONSTRAINT documents_status_check
  CHECK (status IN ('processing', 'posted', 'review', 'failed', 'split', 'superseded'));
