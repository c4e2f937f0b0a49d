import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type App, buildApp } from '../api/app.ts';
import { createApiKey } from '../pipeline/api-keys.ts';
import { openService, type Service } from '../pipeline/service.ts';
import type { ApiRecord } from '../schemas/api.ts';
import { DEPARTMENTS } from '../schemas/common.ts';
import { INBOX_DIR, inboxEntries } from './helpers/inbox.ts';
import { startCli, type TestEnv, testEnv, uploadForm, waitFor } from './helpers/services.ts';

/**
 * A worker process is killed (SIGKILL: no cleanup, locks left behind) in the middle of a batch;
 * another worker must take over its jobs, finish every document and post none twice.
 */

let t: TestEnv;
let svc: Service;
let app: App;
const children: { kill: (s: NodeJS.Signals) => boolean }[] = [];

beforeAll(async () => {
  // A short lock so the dead worker's jobs are noticed as stalled within seconds.
  t = await testEnv({ postgres: true, s3: true, extra: { PAPERLINE_LOCK_MS: '5000' } });
  svc = await openService(t.config);
  app = await buildApp(svc);
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await app?.close();
  await svc?.close();
  await t?.cleanup();
});

it('finishes every document exactly once when a worker dies mid-batch', async () => {
  // Scans keep the first worker busy with OCR long enough to be killed with work in hand.
  const files = inboxEntries()
    .filter((e) => e.kind === 'scan')
    .slice(0, 6)
    .map((e) => join(INBOX_DIR, e.file_name));
  const digital = inboxEntries().filter((e) => e.kind === 'digital');
  files.push(...digital.slice(0, 3).map((e) => join(INBOX_DIR, e.file_name)));
  const uploader = (await createApiKey(svc.db, { role: 'uploader' })).key;
  const res = await app.inject({
    method: 'POST',
    url: '/v1/batches',
    headers: { authorization: `Bearer ${uploader}` },
    payload: await uploadForm(files),
  });
  expect(res.statusCode).toBe(202);
  const { batchId } = res.json() as { batchId: string };
  const counts = async () =>
    (
      await app.inject({ url: `/v1/batches/${batchId}`, headers: { authorization: `Bearer ${uploader}` } })
    ).json() as {
      status: string;
      counts: { total: number; processing: number; posted: number; review: number; failed: number };
    };

  const first = await startCli(['worker'], t.env, /worker started/);
  children.push(first.child);
  await waitFor(
    'the first worker to be in the middle of the batch',
    async () => {
      const c = (await counts()).counts;
      const active = await svc.queues.pages.getActiveCount();
      return c.processing > 0 && c.processing < c.total && active > 0;
    },
    600_000,
    250,
  );
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));
  const left = (await counts()).counts.processing;
  expect(left).toBeGreaterThan(0);

  const second = await startCli(['worker'], t.env, /worker started/);
  children.push(second.child);
  const done = await waitFor(
    'the second worker to finish the batch',
    async () => {
      const s = await counts();
      return s.status === 'done' ? s : null;
    },
    900_000,
    1000,
  );
  expect(done.counts.total).toBe(files.length);
  expect(done.counts.failed).toBe(0);

  const consumer = (await createApiKey(svc.db, { role: 'consumer' })).key;
  const records: ApiRecord[] = [];
  for (const d of DEPARTMENTS) {
    const r = await app.inject({
      url: `/v1/records?department=${d}&limit=1000`,
      headers: { authorization: `Bearer ${consumer}` },
    });
    records.push(...(r.json() as { records: ApiRecord[] }).records);
  }
  expect(records).toHaveLength(done.counts.posted);
  expect(new Set(records.map((r) => r.documentId)).size).toBe(records.length);
  await waitFor(
    'every record in its department queue',
    async () => {
      let n = 0;
      for (const d of DEPARTMENTS) n += await svc.queues.departments[d].count();
      return n === records.length;
    },
    30_000,
  );
  const jobIds: string[] = [];
  for (const d of DEPARTMENTS) {
    jobIds.push(...(await svc.queues.departments[d].getJobs(['waiting'])).map((j) => j.id!));
  }
  expect(jobIds.sort()).toEqual(records.map((r) => r.idempotencyKey).sort());
  second.child.kill('SIGTERM');
});
