-- Webhook delivery state, kept on the outbox row so it survives restarts and is shared by every
-- relay process. A row is delivered once its department's endpoint answered 2xx; until then
-- each failure counts an attempt and sets when the next one may be made (exponential backoff).
ALTER TABLE outbox ADD COLUMN webhook_attempts integer NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN webhook_next_at timestamptz;
ALTER TABLE outbox ADD COLUMN webhook_last_error text;
ALTER TABLE outbox ADD COLUMN webhook_delivered_at timestamptz;
CREATE INDEX outbox_webhook_pending ON outbox (department, seq) WHERE webhook_delivered_at IS NULL;
