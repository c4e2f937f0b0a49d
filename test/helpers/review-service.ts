import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { type App, buildApp } from '../../api/app.ts';
import { createApiKey } from '../../pipeline/api-keys.ts';
import { openService, type Service } from '../../pipeline/service.ts';
import { type RunningWorkers, startWorkers } from '../../pipeline/service-workers.ts';
import type { Role } from '../../schemas/api.ts';
import { loadServiceConfig } from '../../schemas/env.ts';
import { dropRedisPrefix, REDIS_URL } from './services.ts';

/**
 * A whole service for the review tests, as `paperline serve` runs it: PGlite and folder storage
 * in a temp folder, real Redis under a prefix of its own, workers and the API on a free port.
 * `close()` stops everything and deletes the folder and every Redis key under the prefix.
 */
export interface ReviewService {
  svc: Service;
  app: App;
  workers: RunningWorkers;
  baseUrl: string;
  keys: Record<'uploader' | 'reviewer' | 'reviewer2' | 'consumer' | 'admin', string>;
  /** fetch against the API with a key; JSON in and out. */
  call(
    key: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> & { [k: string]: unknown } }>;
  /** Uploads files as one batch; resolves once every document has been decided. */
  upload(
    files: (string | { name: string; bytes: Uint8Array })[],
  ): Promise<{ documentId: string; fileName: string }[]>;
  close(): Promise<void>;
}

export async function startReviewService(env: Record<string, string> = {}): Promise<ReviewService> {
  const dataDir = await mkdtemp(join(tmpdir(), 'paperline-review-'));
  const prefix = `pltest_review_${randomBytes(5).toString('hex')}`;
  const config = loadServiceConfig({
    REDIS_URL,
    REDIS_PREFIX: prefix,
    PAPERLINE_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const svc = await openService(config);
  const workers = await startWorkers(svc, {
    pageConcurrency: 2,
    documentConcurrency: 2,
    lockMs: 60_000,
    relayIntervalMs: 200,
  });
  const app = await buildApp(svc);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const key = async (role: Role, name: string) => (await createApiKey(svc.db, { role, name })).key;
  const keys = {
    uploader: await key('uploader', 'clerk'),
    reviewer: await key('reviewer', 'alice'),
    reviewer2: await key('reviewer', 'bob'),
    consumer: await key('consumer', 'erp'),
    admin: await key('admin', 'ops'),
  };

  const call: ReviewService['call'] = async (k, method, path, body) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${k}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {} };
  };

  const upload: ReviewService['upload'] = async (files) => {
    const form = new FormData();
    for (const f of files) {
      if (typeof f === 'string') form.append('files', new Blob([await readFile(f)]), basename(f));
      else form.append('files', new Blob([f.bytes]), f.name);
    }
    const res = await fetch(`${baseUrl}/v1/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.uploader}` },
      body: form,
    });
    if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
    const batch = (await res.json()) as {
      batchId: string;
      documents: { documentId: string; fileName: string }[];
    };
    const end = Date.now() + 90_000;
    for (;;) {
      const status = await call(keys.uploader, 'GET', `/v1/batches/${batch.batchId}`);
      if (status.body.status === 'done') break;
      if (Date.now() > end) throw new Error(`batch not done: ${JSON.stringify(status.body)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return batch.documents;
  };

  return {
    svc,
    app,
    workers,
    baseUrl,
    keys,
    call,
    upload,
    async close() {
      await app.close().catch(() => {});
      await workers.close().catch(() => {});
      await svc.close().catch(() => {});
      await dropRedisPrefix(prefix).catch(() => {});
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
