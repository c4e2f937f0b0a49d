import { createHmac } from 'node:crypto';

/** Headers every webhook request carries; the README tells an ERP how to check them. */
export const WEBHOOK_HEADERS = {
  signature: 'x-paperline-signature',
  timestamp: 'x-paperline-timestamp',
  idempotencyKey: 'idempotency-key',
  recordId: 'x-paperline-record-id',
} as const;

/**
 * `sha256=<hex>` of HMAC-SHA256 over the exact bytes of the body. The body alone is signed, not
 * the timestamp with it: a replayed request carries an idempotency key the ERP has already
 * seen, so replay protection is the key's job and the check stays one line in any language.
 */
export function signWebhookBody(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface WebhookDelivery {
  url: string;
  /** The JSON text sent, byte for byte the signed bytes. */
  body: string;
  idempotencyKey: string;
  recordId: string;
}

export type WebhookResult = { ok: true; status: number } | { ok: false; error: string };

export type SendWebhook = (d: WebhookDelivery) => Promise<WebhookResult>;

/**
 * POSTs signed records with fetch. Never throws: a refused connection, a timeout and a non-2xx
 * answer are all a failed attempt the caller retries later. The response body is not read into
 * the result because an ERP's error page may echo the record, personal data and all.
 */
export function createWebhookSender(opts: { secret: string; timeoutMs: number }): SendWebhook {
  return async (d) => {
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'paperline-webhook/1',
          [WEBHOOK_HEADERS.signature]: signWebhookBody(opts.secret, d.body),
          [WEBHOOK_HEADERS.timestamp]: new Date().toISOString(),
          [WEBHOOK_HEADERS.idempotencyKey]: d.idempotencyKey,
          [WEBHOOK_HEADERS.recordId]: d.recordId,
        },
        body: d.body,
        redirect: 'error',
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      // Drained so the connection goes back to the pool; its content is not kept (see above).
      await res.arrayBuffer().catch(() => {});
      if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
      return { ok: false, error: `HTTP ${res.status}` };
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      if (err.name === 'TimeoutError') return { ok: false, error: `timed out after ${opts.timeoutMs} ms` };
      return { ok: false, error: err.cause?.code ?? err.message };
    }
  };
}

/** Delay before attempt `attempts + 1`, after `attempts` failures: base, 2×base, 4×base… capped. */
export function webhookBackoffMs(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempts - 1, 40)));
}
