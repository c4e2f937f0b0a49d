import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  appendFile,
  copyFile,
  mkdir,
  open,
  readdir,
  readFile,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { documentId } from '../pipeline/process-document.ts';
import { createWatcher, type FileVerdict, isOpenForWriting, type WatchedFile } from '../pipeline/watch.ts';
import { INBOX_DIR } from './helpers/inbox.ts';
import { runCli, startCli, type TestEnv, tempDir, testEnv, waitFor } from './helpers/services.ts';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const readJson = async <T = Record<string, unknown>>(p: string) => JSON.parse(await readFile(p, 'utf8')) as T;

/**
 * The watcher on its own, with a handler that only records what it read and a clock the test
 * moves, so the settle rule is checked scan by scan rather than by sleeping.
 */
describe('watched folder', () => {
  let dir: string;
  let clock: number;
  let reads: { name: string; sha256: string; size: number }[];
  const handle = async (f: WatchedFile): Promise<FileVerdict> => {
    const bytes = await readFile(f.path);
    reads.push({ name: f.name, sha256: sha256(bytes), size: bytes.length });
    return { folder: 'done', outcome: 'posted', result: { outcome: 'posted', sha256: sha256(bytes) } };
  };
  const watcher = (extra: Partial<Parameters<typeof createWatcher>[0]> = {}) =>
    createWatcher({ dir, settleMs: 1000, now: () => clock, handle, ...extra });

  beforeEach(async () => {
    dir = await tempDir('paperline-watch-');
    clock = 1_000_000;
    reads = [];
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads a file written in chunks once, whole, only after it stopped changing for the settle time', async () => {
    const full = await readFile(join(INBOX_DIR, 'doc-001.pdf'));
    const w = watcher({ openForWriting: async () => false });
    const third = Math.ceil(full.length / 3);
    await writeFile(join(dir, 'scan.pdf'), full.subarray(0, third));
    expect(await w.scan()).toBe(0); // first sight
    clock += 5000;
    await appendFile(join(dir, 'scan.pdf'), full.subarray(third, 2 * third));
    expect(await w.scan()).toBe(0); // grew since the last scan
    clock += 5000;
    await appendFile(join(dir, 'scan.pdf'), full.subarray(2 * third));
    expect(await w.scan()).toBe(0); // grew again
    clock += 999;
    expect(await w.scan()).toBe(0); // unchanged, but not yet for the settle time
    clock += 1;
    expect(await w.scan()).toBe(1);
    expect(reads).toEqual([{ name: 'scan.pdf', sha256: sha256(full), size: full.length }]);
    clock += 5000;
    expect(await w.scan()).toBe(0);
    expect(reads).toHaveLength(1);
    expect(await readFile(join(dir, 'done', 'scan.pdf'))).toEqual(full);
    const result = await readJson(join(dir, 'done', 'scan.pdf.result.json'));
    expect(result).toMatchObject({ file: 'scan.pdf', sourceFile: 'scan.pdf', sha256: sha256(full) });
    expect(await readdir(dir)).toEqual(['done']);
  });

  it('waits while a process still has the file open for writing, however long it is unchanged', async () => {
    const path = join(dir, 'slow.pdf');
    const fh = await open(path, 'w');
    await fh.write(await readFile(join(INBOX_DIR, 'doc-001.pdf')));
    expect(await isOpenForWriting(path)).toBe(true);
    const w = watcher();
    for (let i = 0; i < 3; i++) {
      expect(await w.scan()).toBe(0);
      clock += 60_000;
    }
    await fh.close();
    expect(await isOpenForWriting(path)).toBe(false);
    expect(await w.scan()).toBe(1);
    expect(reads.map((r) => r.name)).toEqual(['slow.pdf']);
  });

  it('keeps both files when done/ already holds one of the same name, and both results', async () => {
    await mkdir(join(dir, 'done'));
    await writeFile(join(dir, 'done', 'a.pdf'), 'earlier file');
    await writeFile(join(dir, 'done', 'a.pdf.result.json'), '{"earlier":true}');
    // A result whose file was removed by hand keeps its name too.
    await writeFile(join(dir, 'done', 'a-2.pdf.result.json'), '{"orphan":true}');
    await writeFile(join(dir, 'a.pdf'), 'new file');
    const w = watcher({ openForWriting: async () => false });
    await w.scan();
    clock += 1000;
    expect(await w.scan()).toBe(1);
    expect(await readFile(join(dir, 'done', 'a.pdf'), 'utf8')).toBe('earlier file');
    expect(await readFile(join(dir, 'done', 'a.pdf.result.json'), 'utf8')).toBe('{"earlier":true}');
    expect(await readFile(join(dir, 'done', 'a-2.pdf.result.json'), 'utf8')).toBe('{"orphan":true}');
    expect(existsSync(join(dir, 'done', 'a-2.pdf'))).toBe(false);
    expect(await readFile(join(dir, 'done', 'a-3.pdf'), 'utf8')).toBe('new file');
    expect(await readJson(join(dir, 'done', 'a-3.pdf.result.json'))).toMatchObject({
      file: 'a-3.pdf',
      sourceFile: 'a.pdf',
    });
  });

  it('skips hidden and temporary names and every subfolder', async () => {
    for (const name of ['.hidden.pdf', 'upload.pdf.part', 'scan.pdf~', 'copy.tmp', 'x.crdownload']) {
      await writeFile(join(dir, name), 'not yet');
    }
    await mkdir(join(dir, 'failed'));
    await writeFile(join(dir, 'failed', 'old.pdf'), 'handled before');
    await mkdir(join(dir, 'incoming'));
    await writeFile(join(dir, 'incoming', 'deep.pdf'), 'not at the top');
    const w = watcher({ openForWriting: async () => false });
    for (let i = 0; i < 3; i++) {
      expect(await w.scan()).toBe(0);
      clock += 5000;
    }
    expect(reads).toEqual([]);
  });

  it('leaves a file whose handling failed (a crash) in place and takes it on the next run; a restart reads nothing twice', async () => {
    await writeFile(join(dir, 'one.pdf'), 'first');
    await writeFile(join(dir, 'two.pdf'), 'second');
    const errors: string[] = [];
    const crashing = watcher({
      openForWriting: async () => false,
      handle: async (f) => {
        if (f.name === 'two.pdf') throw new Error('power cut');
        return handle(f);
      },
      onError: (name) => errors.push(name),
    });
    await crashing.scan();
    clock += 1000;
    expect(await crashing.scan()).toBe(1);
    expect(errors).toEqual(['two.pdf']);
    expect(existsSync(join(dir, 'two.pdf'))).toBe(true);

    const restarted = watcher({ openForWriting: async () => false });
    await restarted.scan();
    clock += 1000;
    expect(await restarted.scan()).toBe(1);
    const again = watcher({ openForWriting: async () => false });
    for (let i = 0; i < 3; i++) {
      expect(await again.scan()).toBe(0);
      clock += 5000;
    }
    expect(reads.map((r) => r.name)).toEqual(['one.pdf', 'two.pdf']);
    expect((await readdir(join(dir, 'done'))).sort()).toEqual([
      'one.pdf',
      'one.pdf.result.json',
      'two.pdf',
      'two.pdf.result.json',
    ]);
  });

  it('stop() lets the file in hand finish and handles no other', async () => {
    await writeFile(join(dir, 'a.pdf'), 'a');
    await writeFile(join(dir, 'b.pdf'), 'b');
    let release!: () => void;
    const started = new Promise<void>((r) => {
      release = r;
    });
    let stopped: Promise<void> | null = null;
    const w = createWatcher({
      dir,
      settleMs: 0,
      openForWriting: async () => false,
      handle: async (f) => {
        release();
        await new Promise((r) => setTimeout(r, 50));
        return handle(f);
      },
    });
    const run = w.run();
    await started;
    stopped = w.stop();
    await Promise.all([run, stopped]);
    expect(reads.map((r) => r.name)).toEqual(['a.pdf']);
    expect(existsSync(join(dir, 'done', 'a.pdf'))).toBe(true);
    expect(existsSync(join(dir, 'b.pdf'))).toBe(true);
  });
});

/** `paperline watch` as a clerk runs it: real files, the real pipeline, a real process. */
describe('paperline watch', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups) await c().catch(() => {});
  });

  it('processes dropped files once into --out, moves them to done/ or failed/ with results, and a restart reprocesses nothing', async () => {
    const root = await tempDir('paperline-watch-cli-');
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const inbox = join(root, 'inbox');
    const out = join(root, 'out');
    await mkdir(inbox);
    const start = () => startCli(['watch', inbox, '--out', out, '--settle', '200'], {}, /Watching /);
    const stop = async (w: Awaited<ReturnType<typeof start>>) => {
      const exited = new Promise<number | null>((r) => w.child.once('exit', r));
      w.child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(w.output()).toContain('Stopped');
    };
    const first = await start();
    cleanups.push(async () => void first.child.kill('SIGKILL'));

    const invoice = await readFile(join(INBOX_DIR, 'doc-001.pdf'));
    await copyFile(join(INBOX_DIR, 'doc-001.pdf'), join(inbox, 'doc-001.pdf'));
    const junk = randomBytes(4096);
    await writeFile(join(inbox, 'broken.pdf'), junk);
    await symlink('/etc/passwd', join(inbox, 'passwords.pdf'));
    // Written in three parts, each after more than the settle time: read once, whole.
    const review = await readFile(join(INBOX_DIR, 'doc-005.pdf'));
    const part = Math.ceil(review.length / 3);
    const slow = await open(join(inbox, 'doc-005.pdf'), 'w');
    for (let i = 0; i < 3; i++) {
      await slow.write(review.subarray(i * part, (i + 1) * part));
      await slow.sync();
      await new Promise((r) => setTimeout(r, 700));
    }
    await slow.close();

    const results = await waitFor(
      'four results',
      async () => {
        const done = existsSync(join(inbox, 'done')) ? await readdir(join(inbox, 'done')) : [];
        const failed = existsSync(join(inbox, 'failed')) ? await readdir(join(inbox, 'failed')) : [];
        const all = [...done, ...failed].filter((n) => n.endsWith('.result.json'));
        // The original is unlinked just after its result is written: wait for both.
        const left = (await readdir(inbox)).filter((n) => n !== 'done' && n !== 'failed');
        return all.length >= 4 && left.length === 0 ? { done, failed } : null;
      },
      120_000,
      200,
    );
    expect(results.done.sort()).toEqual([
      'doc-001.pdf',
      'doc-001.pdf.result.json',
      'doc-005.pdf',
      'doc-005.pdf.result.json',
    ]);
    expect(results.failed.sort()).toEqual([
      'broken.pdf',
      'broken.pdf.result.json',
      'passwords.pdf',
      'passwords.pdf.result.json',
    ]);
    expect(await readdir(inbox)).toEqual(expect.arrayContaining(['done', 'failed']));
    expect((await readdir(inbox)).length).toBe(2);

    const posted = await readJson(join(inbox, 'done', 'doc-001.pdf.result.json'));
    expect(posted).toMatchObject({
      outcome: 'posted',
      documentId: documentId(sha256(invoice)),
      department: 'finance',
      output: join(out, 'posted', 'finance.jsonl'),
    });
    const financeLines = (await readFile(join(out, 'posted', 'finance.jsonl'), 'utf8')).trim().split('\n');
    expect(financeLines.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual([posted.documentId]);

    const reviewed = await readJson<{
      documentId: string;
      outcome: string;
      output: string;
      reasons: unknown[];
    }>(join(inbox, 'done', 'doc-005.pdf.result.json'));
    expect(reviewed.outcome).toBe('review');
    expect(reviewed.documentId).toBe(documentId(sha256(review)));
    expect(reviewed.reasons.length).toBeGreaterThan(0);
    expect(existsSync(reviewed.output)).toBe(true);
    expect(await readFile(join(inbox, 'done', 'doc-005.pdf'))).toEqual(review);

    const broken = await readJson(join(inbox, 'failed', 'broken.pdf.result.json'));
    expect(broken).toMatchObject({ outcome: 'failed', failure: { code: 'mislabelled' } });
    expect(await readFile(join(inbox, 'failed', 'broken.pdf'))).toEqual(junk);
    const link = await readJson<{ failure: { message: string } }>(
      join(inbox, 'failed', 'passwords.pdf.result.json'),
    );
    expect(link.failure.message).toMatch(/outside the folder/);
    expect(await readFile(join(out, 'review', (await readdir(join(out, 'review')))[0]!), 'utf8')).toContain(
      reviewed.documentId,
    );

    const lines = first.output().split('\n');
    expect(lines.filter((l) => l.startsWith('doc-005.pdf: review'))).toHaveLength(1);
    expect(
      lines.filter((l) => l.startsWith('doc-001.pdf: posted to finance -> done/doc-001.pdf')),
    ).toHaveLength(1);
    await stop(first);

    // A restart finds nothing to do: what it handled has left the folder, its output is kept.
    const second = await start();
    cleanups.push(async () => void second.child.kill('SIGKILL'));
    await new Promise((r) => setTimeout(r, 1500));
    await stop(second);
    expect(second.output()).not.toMatch(/-> (done|failed)\//);
    expect((await readFile(join(out, 'posted', 'finance.jsonl'), 'utf8')).trim().split('\n')).toEqual(
      financeLines,
    );
    expect((await readdir(join(inbox, 'done'))).length).toBe(4);
  });
});

/** PAPERLINE_INBOX_DIR: `paperline serve` takes dropped files in as uploads. */
describe('service inbox', () => {
  let t: TestEnv | null = null;
  let serve: Awaited<ReturnType<typeof startCli>> | null = null;
  afterAll(async () => {
    serve?.child.kill('SIGKILL');
    await t?.cleanup();
  });

  it('submits a dropped file, moves it to done/ with its document id, and the document is served', async () => {
    const inbox = await tempDir('paperline-inbox-');
    t = await testEnv({ extra: { PAPERLINE_INBOX_DIR: inbox, PAPERLINE_INBOX_SETTLE_MS: '200' } });
    const key = (await runCli(['keys', 'create', '--role', 'uploader', '--name', 'clerk'], t.env))
      .trim()
      .split('\n')
      .at(-1)!;
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise((r) => server.close(r));
    serve = await startCli(['serve', '--port', String(port)], t.env, /"msg":"serving"/);

    const bytes = await readFile(join(INBOX_DIR, 'doc-001.pdf'));
    await writeFile(join(inbox, 'doc-001.pdf'), bytes);
    await writeFile(join(inbox, 'empty.pdf'), '');
    const resultPath = join(inbox, 'done', 'doc-001.pdf.result.json');
    await waitFor('the inbox to take the file in', async () => existsSync(resultPath), 60_000, 200);
    const result = await readJson<{
      outcome: string;
      documentId: string;
      batchId: string;
      document: string;
      status: string;
    }>(resultPath);
    expect(result).toMatchObject({
      outcome: 'submitted',
      documentId: documentId(sha256(bytes)),
    });
    // Taken in before it is decided; a quick worker may have decided it by this first look.
    expect(['processing', 'posted']).toContain(result.status);
    expect(result.batchId).toMatch(/^bat_/);
    expect(await readFile(join(inbox, 'done', 'doc-001.pdf'))).toEqual(bytes);

    const base = `http://127.0.0.1:${port}`;
    const doc = await waitFor(
      'the document to be posted',
      async () => {
        const res = await fetch(`${base}${result.document}`, { headers: { authorization: `Bearer ${key}` } });
        if (res.status !== 200) return null;
        const body = (await res.json()) as { fileName: string; status: string };
        return body.status === 'processing' ? null : body;
      },
      120_000,
      500,
    );
    expect(doc).toMatchObject({ fileName: 'doc-001.pdf', status: 'posted' });
    // The result in done/ catches up with the decision, so the clerk need not ask the API.
    const decided = await waitFor(
      'the result file to show the decision',
      async () => {
        const r = await readJson<{ status: string }>(resultPath);
        return r.status === 'processing' ? null : r;
      },
      30_000,
      200,
    );
    expect(decided).toMatchObject({
      outcome: 'submitted',
      documentId: result.documentId,
      status: 'posted',
      docType: 'invoice',
      department: 'finance',
    });
    expect(decided).toHaveProperty('decidedAt');

    const failedPath = join(inbox, 'failed', 'empty.pdf.result.json');
    await waitFor('the empty file to fail', async () => existsSync(failedPath), 30_000, 200);
    expect(await readJson(failedPath)).toMatchObject({ outcome: 'failed', failure: { code: 'empty-file' } });
    expect(serve.output()).toMatch(
      /"msg":"inbox file".*"file":"doc-001.pdf"|"file":"doc-001.pdf".*"msg":"inbox file"/,
    );

    const exited = new Promise<number | null>((r) => serve!.child.once('exit', r));
    serve.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    serve = null;
    await rm(inbox, { recursive: true, force: true });
  });
});
