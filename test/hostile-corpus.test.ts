import { createHash } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../api/app.ts';
import { storageKeys } from '../pipeline/adapters/storage.ts';
import { createApiKey } from '../pipeline/api-keys.ts';
import { openService, type Service } from '../pipeline/service.ts';
import { type RunningWorkers, startWorkers } from '../pipeline/service-workers.ts';
import type { FailedEntry, RunSummary } from '../schemas/record.ts';
import {
  HOSTILE_CASES,
  type HostileCase,
  UPLOADABLE_CASES,
  writeHostileCorpus,
} from './helpers/hostile-corpus.ts';
import { runCli, type TestEnv, tempDir, testEnv, uploadForm, waitFor } from './helpers/services.ts';

/**
 * The hostile corpus (test/helpers/hostile-corpus.ts) through both ways in: `paperline process`
 * as a clerk runs it, and the service's upload API. Every file must come out exactly once with
 * the outcome its table row names, and no bad input may be called an internal error.
 */

/** Words that only come from a library or a stack trace, never from a sentence for a clerk. */
const LIBRARY_WORDS =
  /vips|libtiff|libpng|libjpeg|pdf\.js|pdfjs|Error\b|Exception|undefined|\bat \S+ \(|0x[0-9a-f]{4}/i;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function fingerprints(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const visit = async (d: string) => {
    for (const name of await readdir(d)) {
      const p = join(d, name);
      const info = await lstat(p);
      if (info.isDirectory()) await visit(p);
      else if (info.isFile()) out.set(p, `${info.size}:${info.mtimeMs}:${sha256(await readFile(p))}`);
    }
  };
  await visit(dir);
  return out;
}

const readJsonl = async <T>(path: string): Promise<T[]> =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);

function expectClerkSentence(message: string, file: string) {
  expect(message, file).not.toMatch(LIBRARY_WORDS);
  expect(message.trim(), file).toMatch(/[.)]$/);
}

describe('the hostile corpus through paperline process', () => {
  let corpus: string;
  let out: string;
  let before: Map<string, string>;
  /** Outcomes by reported file name: a failure code, 'review', 'posted' or 'duplicate'. */
  const outcomes = new Map<string, string[]>();
  const failures = new Map<string, FailedEntry>();
  let summary: RunSummary;

  beforeAll(async () => {
    corpus = await tempDir('paperline-hostile-');
    out = await tempDir('paperline-hostile-out-');
    const t0 = performance.now();
    await writeHostileCorpus(corpus);
    // Generation is part of every run, so it must stay cheap.
    expect(performance.now() - t0).toBeLessThan(30_000);
    before = await fingerprints(corpus);

    await runCli(['process', corpus, '--out', out], { LOG_LEVEL: 'silent' });

    const add = (file: string, outcome: string) =>
      outcomes.set(file, [...(outcomes.get(file) ?? []), outcome]);
    for (const f of await readJsonl<FailedEntry>(join(out, 'failed.jsonl'))) {
      add(f.sourceFile, f.code);
      failures.set(f.sourceFile, f);
    }
    for (const name of await readdir(join(out, 'review'))) {
      add(JSON.parse(await readFile(join(out, 'review', name), 'utf8')).sourceFile, 'review');
    }
    for (const d of ['finance', 'hr', 'claims']) {
      for (const r of await readJsonl<{ sourceFile: string }>(join(out, 'posted', `${d}.jsonl`)))
        add(r.sourceFile, 'posted');
    }
    summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    for (const d of summary.duplicates) add(d.sourceFile, 'duplicate');
  }, 600_000);

  it('has at least 60 entries, with unique reported names', () => {
    expect(HOSTILE_CASES.length).toBeGreaterThanOrEqual(60);
    const reported = HOSTILE_CASES.filter((c) => c.expected !== 'skipped').map((c) => basename(c.file));
    expect(new Set(reported).size).toBe(reported.length);
  });

  it.each(HOSTILE_CASES.map((c) => [c.file, c] as [string, HostileCase]))('%s', (_, c) => {
    const got = outcomes.get(basename(c.file)) ?? [];
    if (c.expected === 'skipped') {
      expect(got, `${c.file} (${c.what})`).toEqual([]);
      return;
    }
    expect(got, `${c.file} (${c.what}): ${failures.get(basename(c.file))?.message ?? ''}`).toEqual([
      c.expected,
    ]);
    const failure = failures.get(basename(c.file));
    if (failure) expectClerkSentence(failure.message, c.file);
  });

  it('lands every file exactly once, none as an internal error, nothing unknown', () => {
    const listed = HOSTILE_CASES.filter((c) => c.expected !== 'skipped').map((c) => basename(c.file));
    expect([...outcomes.keys()].sort()).toEqual([...listed].sort());
    expect([...outcomes.values()].flat()).not.toContain('internal-error');
    expect(summary.documents).toBe(listed.length);
    expect(summary.duplicates).toEqual([]);
  });

  it('gives the figures that matter for a refused size', () => {
    expect(failures.get('png-wide-100000x10.png')?.message).toMatch(
      /100000 x 10 pixels.*over the limit of 30000/,
    );
    expect(failures.get('png-pixel-bomb.png')?.message).toMatch(
      /100000 x 100000 = 10000 MP, over the 100 MP limit\.$/,
    );
    expect(failures.get('pdf-5000-pages.pdf')?.message).toMatch(/5000 pages.*limit of 50/);
    expect(failures.get('pdf-enormous-page.pdf')?.message).toMatch(
      /200 x 200 inches: even at 100 dpi it would be 20000 x 20000 = 400 MP, over the 100 MP limit\.$/,
    );
    expect(failures.get('doc.pdf')?.message).toMatch(/symbolic link to \/etc\/passwd, outside the folder/);
  });

  it('never changes an original, and copies nothing a link points at outside the folder', async () => {
    expect(await fingerprints(corpus)).toEqual(before);
    const everything = (await readFile(join(out, 'failed.jsonl'), 'utf8')) + JSON.stringify(summary);
    expect(everything).not.toMatch(/root:x:0:0/);
  });
});

/** Codes that refuse a whole upload (README, "The API"): over a limit, nothing stored. */
const UPLOAD_LIMIT_STATUS: Record<string, number> = {
  'too-large': 413,
  'too-many-pages': 422,
  'too-many-pixels': 422,
};

describe('the hostile corpus through the service API', () => {
  let t: TestEnv;
  let svc: Service;
  let workers: RunningWorkers;
  let app: App;
  let base: string;
  let key: string;
  let corpus: string;

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, ...init.headers } });

  beforeAll(async () => {
    t = await testEnv({ postgres: true, s3: true });
    svc = await openService(t.config);
    workers = await startWorkers(svc, { pageConcurrency: 2, documentConcurrency: 2, lockMs: 30_000 });
    app = await buildApp(svc);
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    key = (await createApiKey(svc.db, { role: 'admin', name: 'hostile uploader' })).key;
    corpus = await tempDir('paperline-hostile-api-');
    await writeHostileCorpus(corpus);
  }, 300_000);

  afterAll(async () => {
    await app?.close();
    await workers?.close();
    await svc?.close();
    await t?.cleanup();
  });

  it('refuses each over-limit file with its documented status and stores nothing', async () => {
    const overLimit = UPLOADABLE_CASES.filter((c) => c.expected in UPLOAD_LIMIT_STATUS);
    expect(overLimit.length).toBeGreaterThan(5);
    for (const c of overLimit) {
      const res = await api('/v1/batches', {
        method: 'POST',
        body: await uploadForm([join(corpus, c.file)]),
      });
      expect(res.status, c.file).toBe(UPLOAD_LIMIT_STATUS[c.expected]);
      const body = (await res.json()) as { details: { code: string; message: string }[] };
      expect(
        body.details.map((d) => d.code),
        c.file,
      ).toEqual([c.expected]);
      expectClerkSentence(body.details[0]!.message, c.file);
    }
    expect(await svc.db.query('SELECT id FROM documents')).toEqual([]);
    expect(
      await svc.store.get(storageKeys.original(sha256(await readFile(join(corpus, overLimit[0]!.file))))),
    ).toBeFalsy();
  });

  it('takes the rest in batches; every document ends with its status and reason, none stuck', async () => {
    const rest = UPLOADABLE_CASES.filter((c) => !(c.expected in UPLOAD_LIMIT_STATUS));
    // The same bytes twice are one document (both empty files): the first name is the one kept.
    const bySha = new Map<string, HostileCase>();
    const expected = new Map<string, { c: HostileCase; duplicate: boolean }>();
    const batches: string[] = [];
    for (let i = 0; i < rest.length; i += 12) {
      const group = rest.slice(i, i + 12);
      const res = await api('/v1/batches', {
        method: 'POST',
        body: await uploadForm(group.map((c) => join(corpus, c.file))),
      });
      expect(res.status).toBe(202);
      const body = (await res.json()) as {
        batchId: string;
        documents: { documentId: string; fileName: string; duplicateOf?: string }[];
      };
      expect(body.documents).toHaveLength(group.length);
      batches.push(body.batchId);
      for (const [j, d] of body.documents.entries()) {
        const c = group[j]!;
        expect(d.fileName).toBe(basename(c.file));
        const digest = sha256(await readFile(join(corpus, c.file)));
        const first = bySha.get(digest);
        if (!first) bySha.set(digest, c);
        expect(Boolean(d.duplicateOf), c.file).toBe(Boolean(first));
        if (!first) expected.set(d.documentId, { c, duplicate: false });
      }
    }

    for (const batchId of batches) {
      await waitFor(
        `batch ${batchId} to finish`,
        async () => {
          const s = (await (await api(`/v1/batches/${batchId}`)).json()) as { status: string };
          return s.status === 'done';
        },
        300_000,
        1000,
      );
    }
    for (const [documentId, { c }] of expected) {
      const doc = (await (await api(`/v1/documents/${documentId}`)).json()) as {
        status: string;
        failure: { code: string; message: string } | null;
      };
      if (c.expected === 'review') {
        expect(doc.status, `${c.file}: ${doc.failure?.message ?? ''}`).toBe('review');
      } else {
        expect(
          { status: doc.status, code: doc.failure?.code },
          `${c.file}: ${doc.failure?.message ?? ''}`,
        ).toEqual({
          status: 'failed',
          code: c.expected,
        });
        expectClerkSentence(doc.failure!.message, c.file);
      }
    }
    expect((await api('/healthz')).status).toBe(200);
    expect((await api('/readyz')).status).toBe(200);
  });
});
