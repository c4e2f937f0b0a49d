import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { readMetadata } from '../cli/eval.command.ts';
import { createLocalDeps } from '../pipeline/deps.ts';
import { scoreValue } from '../pipeline/evaluation.ts';
import { DEFAULT_INGEST_LIMITS } from '../pipeline/ingest.ts';
import { reviewFileName, runBatch } from '../pipeline/run-batch.ts';
import type { MetadataLine } from '../schemas/eval.ts';
import type { FailedEntry, PostedRecord, ReviewItem, RunSummary } from '../schemas/record.ts';

const INBOX = new URL('../samples/inbox/', import.meta.url).pathname;
const readJsonl = async <T>(path: string): Promise<T[]> =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);

/**
 * The whole inbox through the in-process pipeline, with the bad files of the issue dropped in:
 * every good document must land where its ground truth says, the bad ones in failed.jsonl.
 */
describe('paperline process on samples/inbox plus bad files', () => {
  let truth: MetadataLine[];
  let out: string;
  let summary: RunSummary;
  let posted: PostedRecord[];
  let reviews: ReviewItem[];
  let failed: FailedEntry[];

  beforeAll(async () => {
    truth = await readMetadata(INBOX);
    const input = await mkdtemp(join(tmpdir(), 'paperline-inbox-'));
    out = await mkdtemp(join(tmpdir(), 'paperline-out-'));
    for (const t of truth) await copyFile(join(INBOX, t.file_name), join(input, t.file_name));
    const firstPdf = truth.find((t) => t.file_name.endsWith('.pdf'))?.file_name ?? '';
    const pdf = await readFile(join(INBOX, firstPdf));
    await writeFile(join(input, 'empty.pdf'), Buffer.alloc(0));
    await writeFile(join(input, 'truncated.pdf'), pdf.subarray(0, Math.floor(pdf.length / 2)));
    await writeFile(join(input, 'notes.png'), 'Meeting notes: call the bank on Monday.\n');
    await copyFile(join(INBOX, firstPdf), join(input, `resent-${firstPdf}`));

    const { deps, close } = await createLocalDeps({ limits: DEFAULT_INGEST_LIMITS });
    try {
      summary = await runBatch([input], deps, { out, concurrency: 2, limits: DEFAULT_INGEST_LIMITS });
    } finally {
      await close();
    }
    posted = (
      await Promise.all(
        ['finance', 'hr', 'claims'].map((d) => readJsonl<PostedRecord>(join(out, 'posted', `${d}.jsonl`))),
      )
    ).flat();
    reviews = await Promise.all(
      (await readdir(join(out, 'review'))).map(async (f) =>
        JSON.parse(await readFile(join(out, 'review', f), 'utf8')),
      ),
    );
    failed = await readJsonl<FailedEntry>(join(out, 'failed.jsonl'));
  }, 900_000);

  it('writes all three department files and a summary', async () => {
    const files = await readdir(join(out, 'posted'));
    expect(files.sort()).toEqual(['claims.jsonl', 'finance.jsonl', 'hr.jsonl']);
    const onDisk = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(onDisk.documents).toBe(truth.length + 4);
    expect(onDisk.failed).toBe(3);
    expect(onDisk.posted.finance + onDisk.posted.hr + onDisk.posted.claims).toBe(posted.length);
    expect(summary.pagesPerMinute).toBeGreaterThan(0);
  });

  it('puts every document where its ground truth says', () => {
    const placed = truth.map((t) => {
      const p = posted.find((r) => r.sourceFile === t.file_name);
      const r = reviews.find((x) => x.sourceFile === t.file_name);
      const where = p ? `posted:${p.department}` : r ? 'review' : 'missing';
      const want = t.expect === 'review' ? 'review' : `posted:${t.department}`;
      const why = r ? r.reasons.map((x) => x.message).join(' | ') : '';
      return { file: t.file_name, where, want, why };
    });
    expect(placed.filter((p) => p.where !== p.want)).toEqual([]);
  });

  it('sends the expected review documents to review for the reason their ground truth gives', async () => {
    // `reason` is a note of the sample generator's, outside the evaluation format's schema.
    const notes = new Map(
      (await readJsonl<{ file_name: string; reason?: string }>(join(INBOX, 'metadata.jsonl'))).map((l) => [
        l.file_name,
        l.reason ?? '',
      ]),
    );
    // metadata.jsonl says in words why a document must not be posted; each maps to review codes.
    const expected: [RegExp, (r: ReviewItem['reasons'][number]) => boolean][] = [
      [/not subtotal \+ tax/, (r) => r.code === 'rule-failed' && r.fields.includes('total')],
      [/net pay is above gross/, (r) => r.code === 'rule-failed' && r.fields.includes('netPay')],
      [/not a known document type/, (r) => r.code === 'unknown-type'],
      // An unreadable scan is held for what reading it gave, never for a rule it seemed to break.
      [
        /too degraded/,
        (r) => ['unknown-type', 'low-class-confidence', 'low-confidence', 'missing-field'].includes(r.code),
      ],
    ];
    const held = truth.filter((t) => t.expect === 'review');
    expect(held.length).toBeGreaterThan(0);
    for (const t of held) {
      const why = notes.get(t.file_name) ?? '';
      const rule = expected.find(([re]) => re.test(why));
      expect(rule, `no expectation for "${why}"`).toBeDefined();
      const item = reviews.find((r) => r.sourceFile === t.file_name);
      expect(item?.reasons.some(rule![1]), `${t.file_name}: ${JSON.stringify(item?.reasons)}`).toBe(true);
    }
  });

  it('posts no wrong value: every posted field with a truth equals it', () => {
    const wrong = posted.flatMap((r) => {
      const t = truth.find((x) => x.file_name === r.sourceFile);
      expect(t?.docType).toBe(r.docType);
      return Object.entries(r.fields)
        .filter(([name, f]) => t?.fields[name] !== undefined && !scoreValue(t.fields[name], f.value).correct)
        .map(([name, f]) => ({ file: r.sourceFile, name, truth: t?.fields[name], got: f.value }));
    });
    expect(wrong).toEqual([]);
  });

  it('gives every field evidence on a real page, and records how each page was read', () => {
    for (const r of posted) {
      for (const p of r.pages) {
        if (p.source === 'ocr') expect(p.preprocess?.steps.length).toBeGreaterThan(0);
        else expect(p.preprocess).toBeNull();
      }
      for (const [name, f] of Object.entries(r.fields)) {
        expect(f.evidence.length, `${r.sourceFile} ${name}`).toBeGreaterThan(0);
        for (const e of f.evidence) expect(e.page).toBeLessThanOrEqual(r.pages.length);
      }
    }
    const digital = posted.filter((r) => truth.find((t) => t.file_name === r.sourceFile)?.kind === 'digital');
    expect(digital.length).toBeGreaterThan(0);
    for (const r of digital) expect(r.pages.every((p) => p.source === 'text-layer')).toBe(true);
  });

  it('lists every file in summary.json with its outcome, where it went and, for review, why', async () => {
    const onDisk = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummary;
    expect(onDisk.files.map((f) => f.sourceFile).sort()).toEqual(
      [
        ...truth.map((t) => t.file_name),
        'empty.pdf',
        'truncated.pdf',
        'notes.png',
        `resent-${truth.find((t) => t.file_name.endsWith('.pdf'))?.file_name}`,
      ].sort(),
    );
    for (const f of onDisk.files) {
      const p = posted.find((r) => r.sourceFile === f.sourceFile);
      const r = reviews.find((x) => x.sourceFile === f.sourceFile);
      if (f.outcome === 'posted') {
        expect(f.output).toBe(`posted/${p?.department}.jsonl`);
        expect([f.id, f.docType, f.department]).toEqual([p?.id, p?.docType, p?.department]);
      } else if (f.outcome === 'review') {
        expect(f.reasons, f.sourceFile).toEqual(r?.reasons);
        expect(f.output).toBe(`review/${f.sourceFile.replace(/\.\w+$/, '')}-${r?.id}.json`);
        expect(JSON.parse(await readFile(join(out, f.output ?? ''), 'utf8')).id).toBe(r?.id);
      } else if (f.outcome === 'failed') {
        expect(f.failure).toEqual({
          code: failed.find((x) => x.sourceFile === f.sourceFile)?.code,
          message: failed.find((x) => x.sourceFile === f.sourceFile)?.message,
        });
      } else {
        expect(f.sourceFile).toMatch(/^resent-/);
        expect(f.duplicateOf).toBe(f.sourceFile.replace(/^resent-/, ''));
      }
    }
    expect(onDisk.files.filter((f) => f.outcome === 'review')).toHaveLength(reviews.length);
  });

  it('records bad files in failed.jsonl with clear reasons and processes duplicates once', () => {
    const byName = Object.fromEntries(failed.map((f) => [f.sourceFile, f]));
    expect(byName['empty.pdf']?.code).toBe('empty-file');
    expect(byName['truncated.pdf']?.code).toBe('truncated');
    expect(byName['notes.png']?.code).toBe('mislabelled');
    for (const f of failed) expect(f.message).toMatch(/\w+ \w+ \w+/);
    expect(summary.duplicates).toHaveLength(1);
    expect(summary.duplicates[0]?.sourceFile).toMatch(/^resent-/);
    const all = [...posted.map((r) => r.sourceFile), ...reviews.map((r) => r.sourceFile)];
    expect(all.filter((f) => f.startsWith('resent-'))).toEqual([]);
  });
});

describe('review file names', () => {
  it('carry the source file name, made safe for any file system, and the id', () => {
    const name = (sourceFile: string) => reviewFileName({ id: '3f2a9c41d07b5e88', sourceFile });
    expect(name('doc-005.pdf')).toBe('doc-005-3f2a9c41d07b5e88.json');
    expect(name('Scan 7 (March).pdf')).toBe('Scan-7-March-3f2a9c41d07b5e88.json');
    expect(name('Résumé scan.PDF')).toBe('Resume-scan-3f2a9c41d07b5e88.json');
    expect(name('../../etc/passwd')).toBe('passwd-3f2a9c41d07b5e88.json');
    expect(name('Счёт.pdf')).toBe('document-3f2a9c41d07b5e88.json');
  });
});

describe('the paperline bin', () => {
  const bin = new URL('../bin/paperline.js', import.meta.url).pathname;
  const paperline = (args: string[]) =>
    promisify(execFile)(process.execPath, [bin, ...args], { env: { ...process.env, CI: 'true' } }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({
        code: e.code,
        stdout: e.stdout,
        stderr: e.stderr,
      }),
    );

  it('processes a folder offline and prints each file and the summary table', async () => {
    const input = await mkdtemp(join(tmpdir(), 'paperline-bin-'));
    const out = await mkdtemp(join(tmpdir(), 'paperline-bin-out-'));
    const metadata = await readMetadata(INBOX);
    const digital = metadata.find((t) => t.kind === 'digital' && t.expect !== 'review' && t.pages === 1);
    const held = metadata.find((t) => t.kind === 'digital' && t.expect === 'review');
    if (!digital || !held)
      throw new Error('the inbox has no one-page digital document to post and one to hold');
    await copyFile(join(INBOX, digital.file_name), join(input, digital.file_name));
    const stem = held.file_name.replace(/\.\w+$/, '');
    await copyFile(
      join(INBOX, held.file_name),
      join(input, `Held for review (${stem})${extname(held.file_name)}`),
    );
    await writeFile(join(input, 'empty.png'), Buffer.alloc(0));
    const { code, stdout, stderr } = await paperline(['process', input, '--out', out]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/pages per minute/);
    expect(stdout).toMatch(/failed\s+1/);
    const dept = digital.department ?? '';
    expect(await readJsonl(join(out, 'posted', `${dept}.jsonl`))).toHaveLength(1);
    // One row per file: its outcome, where it was written, and why for review and failures.
    const row = (name: string) => stdout.split('\n').find((l) => l.startsWith(name)) ?? '';
    expect(row(digital.file_name)).toMatch(
      new RegExp(`posted to ${dept}\\s+posted/${dept}\\.jsonl\\s+${digital.docType}`),
    );
    expect(row('empty.png')).toMatch(/failed\s+failed\.jsonl\s+empty-file: The file is empty/);
    const review = await readdir(join(out, 'review'));
    expect(review).toHaveLength(1);
    expect(review[0]).toMatch(new RegExp(`^Held-for-review-${stem}-[0-9a-f]{16}\\.json$`));
    const item = JSON.parse(await readFile(join(out, 'review', review[0] ?? ''), 'utf8')) as ReviewItem;
    expect(row('Held for review')).toContain(`review/${review[0]}`);
    expect(row('Held for review')).toContain(item.reasons[0]?.message ?? 'no reason');
    // Progress lines count pages in words.
    expect(stderr).toContain(`${digital.file_name}: posted (1 page)\n`);
    expect(stderr).not.toMatch(/\b1 pages\b/);
  }, 120_000);

  it('exits non-zero when every file failed, and says so', async () => {
    const input = await mkdtemp(join(tmpdir(), 'paperline-bin-bad-'));
    await writeFile(join(input, 'empty.pdf'), Buffer.alloc(0));
    await writeFile(join(input, 'notes.png'), 'not an image\n');
    const out = await mkdtemp(join(tmpdir(), 'paperline-bin-bad-out-'));
    const { code, stdout, stderr } = await paperline(['process', input, '--out', out]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/failed\s+2/);
    expect(stderr).toContain('every file failed (2 files)');
  }, 60_000);

  it('says so when there is nothing to process', async () => {
    const input = await mkdtemp(join(tmpdir(), 'paperline-bin-empty-'));
    await writeFile(join(input, '.hidden.pdf'), 'x');
    const { code, stderr } = await paperline(['process', input, '--out', join(input, 'out')]);
    expect(code).toBe(1);
    expect(stderr).toContain(`nothing to process: no files in ${input}`);
  }, 60_000);
});
