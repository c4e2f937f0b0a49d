import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../api/app.ts';
import { createApiKey } from '../pipeline/api-keys.ts';
import { createLogger, MASK } from '../pipeline/log.ts';
import { openService, type Service } from '../pipeline/service.ts';
import { type RunningWorkers, startWorkers } from '../pipeline/service-workers.ts';
import type { ApiRecord } from '../schemas/api.ts';
import { INBOX_DIR, inboxEntries } from './helpers/inbox.ts';
import { type TestEnv, testEnv, uploadForm, waitFor } from './helpers/services.ts';

/**
 * A whole service run at the most verbose log level: payslips and a W-2 uploaded over HTTP,
 * read, decided, posted (one to review), fetched back through the API and delivered by a
 * webhook that fails once. Everything the service logs is captured; the employees' names,
 * ids and SSN must be nowhere in it, while the records themselves keep them whole.
 */

const FILES = ['doc-011.pdf', 'doc-013.pdf', 'doc-015.pdf'];
const truth = new Map(inboxEntries().map((e) => [e.file_name, e]));
const personal = FILES.flatMap((f) => {
  const fields = truth.get(f)!.fields as Record<string, string>;
  return [fields.employeeName, fields.employeeId, fields.employeeSsn].filter((v): v is string => !!v);
});

let lines = '';
let t: TestEnv;
let svc: Service;
let workers: RunningWorkers;
let app: App;
let base: string;
let hook: Server;

beforeAll(async () => {
  let calls = 0;
  hook = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(++calls === 1 ? 503 : 204).end());
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const { port } = hook.address() as AddressInfo;
  t = await testEnv({
    postgres: true,
    s3: true,
    extra: {
      PAPERLINE_WEBHOOK_URL_HR: `http://127.0.0.1:${port}/hr`,
      PAPERLINE_WEBHOOK_SECRET: 'secret',
      PAPERLINE_WEBHOOK_RETRY_MS: '50',
    },
  });
  const log = createLogger({
    level: 'trace',
    destination: new Writable({
      write(chunk, _enc, done) {
        lines += chunk;
        done();
      },
    }),
  });
  svc = await openService(t.config);
  workers = await startWorkers(svc, {
    pageConcurrency: 1,
    documentConcurrency: 2,
    lockMs: 30_000,
    relayIntervalMs: 100,
    log,
  });
  app = await buildApp(svc, { logger: log });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
  await workers?.close();
  await svc?.close();
  await t?.cleanup();
  await new Promise((r) => hook?.close(r));
});

describe('logs of a service run', () => {
  it('mask every SSN, employee name and employee id, and the records keep them', async () => {
    expect(personal).toContain('964-55-9731');
    const key = (await createApiKey(svc.db, { role: 'admin', name: 'test' })).key;
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${key}` } });

    const res = await api('/v1/batches', {
      method: 'POST',
      body: await uploadForm(FILES.map((f) => join(INBOX_DIR, f))),
    });
    expect(res.status).toBe(202);
    const { batchId, documents } = (await res.json()) as {
      batchId: string;
      documents: { documentId: string }[];
    };
    await waitFor(
      'the batch',
      async () =>
        ((await (await api(`/v1/batches/${batchId}`)).json()) as { status: string }).status === 'done',
      120_000,
    );
    for (const d of documents) expect((await api(`/v1/documents/${d.documentId}`)).status).toBe(200);
    const { records } = (await (await api('/v1/records?department=hr')).json()) as { records: ApiRecord[] };
    expect(records.length).toBeGreaterThanOrEqual(2);
    // The record an ERP gets is whole: masking is for logs only.
    expect(JSON.stringify(records)).toContain('964-55-9731');
    await waitFor('webhook deliveries', async () => /"msg":"webhook delivered"/.test(lines), 30_000);
    await workers.close();

    // The run did log what would leak: every document's fields, requests, webhook attempts.
    const logged = lines
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; fields?: unknown });
    expect(logged.filter((l) => l.msg === 'document fields')).toHaveLength(FILES.length);
    for (const l of logged.filter((l) => l.msg === 'document fields'))
      expect(JSON.stringify(l.fields)).toContain(MASK);
    expect(logged.some((l) => l.msg === 'incoming request')).toBe(true);
    expect(logged.some((l) => l.msg === 'webhook delivery failed; will retry')).toBe(true);

    for (const value of personal) expect(lines, value).not.toContain(value);
    // Nor any part of a name, as an OCR line or a reason might show it.
    for (const name of FILES.map((f) => (truth.get(f)!.fields as Record<string, string>).employeeName!)) {
      for (const part of name.split(/\s+/)) expect(lines, part).not.toContain(part);
    }
    expect(lines).not.toContain('964559731');
  }, 180_000);
});
