import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ApiRecord } from '../schemas/api.ts';
import { DEPARTMENTS } from '../schemas/common.ts';
import { INBOX_DIR, inboxEntries } from './helpers/inbox.ts';
import {
  freePort,
  runCli,
  startCli,
  type TestEnv,
  testEnv,
  uploadForm,
  waitFor,
} from './helpers/services.ts';

/**
 * The README's service quick start, as a newcomer runs it: only Redis, a fresh data folder
 * (PGlite and files on disk), `paperline keys create` and `paperline serve`.
 */

let t: TestEnv;
let serve: Awaited<ReturnType<typeof startCli>> | null = null;

beforeAll(async () => {
  t = await testEnv();
});

afterAll(async () => {
  serve?.child.kill('SIGKILL');
  await t?.cleanup();
});

it('serves with the defaults: keys, upload, records exactly once, graceful stop', async () => {
  const uploader = (await runCli(['keys', 'create', '--role', 'uploader', '--name', 'scanner'], t.env))
    .trim()
    .split('\n')
    .at(-1)!;
  const consumer = (await runCli(['keys', 'create', '--role', 'consumer', '--name', 'erp'], t.env))
    .trim()
    .split('\n')
    .at(-1)!;
  expect(uploader).toMatch(/^pl_uploader_[\w-]{40,}$/);
  const listed = await runCli(['keys', 'list'], t.env);
  expect(listed).toContain('scanner');
  expect(listed).not.toContain(uploader);

  const port = await freePort();
  serve = await startCli(['serve', '--port', String(port)], t.env, /"msg":"serving"/);
  const base = `http://127.0.0.1:${port}`;
  // The whole sample batch: scans, multi-page PDFs and the documents that belong in review.
  const files = inboxEntries().map((e) => join(INBOX_DIR, e.file_name));
  const upload = async () => {
    const res = await fetch(`${base}/v1/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${uploader}` },
      body: await uploadForm(files),
    });
    expect(res.status).toBe(202);
    return (await res.json()) as { batchId: string; documents: { duplicateOf?: string }[] };
  };
  const { batchId } = await upload();
  const status = await waitFor(
    'the batch to finish',
    async () => {
      const s = (await (
        await fetch(`${base}/v1/batches/${batchId}`, { headers: { authorization: `Bearer ${uploader}` } })
      ).json()) as {
        status: string;
        counts: { posted: number; failed: number; total: number };
      };
      return s.status === 'done' ? s : null;
    },
    900_000,
    2000,
  );
  expect(status.counts.total).toBe(files.length);
  expect(status.counts.posted).toBeGreaterThan(0);

  const records = async () => {
    const all: ApiRecord[] = [];
    for (const d of DEPARTMENTS) {
      const r = await fetch(`${base}/v1/records?department=${d}`, {
        headers: { authorization: `Bearer ${consumer}` },
      });
      all.push(...((await r.json()) as { records: ApiRecord[] }).records);
    }
    return all;
  };
  const first = await records();
  expect(first).toHaveLength(status.counts.posted);
  expect(new Set(first.map((r) => r.documentId)).size).toBe(first.length);

  const again = await upload();
  expect(again.documents.every((d) => d.duplicateOf)).toBe(true);
  await new Promise((r) => setTimeout(r, 2000));
  expect(await records()).toHaveLength(first.length);

  serve.child.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => serve!.child.once('exit', r));
  expect(code).toBe(0);
  expect(serve.output()).toContain('"msg":"stopped"');
  serve = null;
  // The whole sample batch, OCR included: as long as its own wait for the batch, as in service.test.ts.
}, 900_000);
