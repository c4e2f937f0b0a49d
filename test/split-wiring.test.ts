import { copyFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalDeps } from '../pipeline/deps.ts';
import { DEFAULT_INGEST_LIMITS } from '../pipeline/ingest.ts';
import { documentId } from '../pipeline/process-document.ts';
import { runBatch } from '../pipeline/run-batch.ts';
import type { PostedRecord, ReviewItem, RunSummary } from '../schemas/record.ts';
import { PostedRecordSchema, ReviewItemSchema } from '../schemas/record.ts';
import { concatPdfs } from './helpers/multi-document.ts';
import { type ReviewService, startReviewService } from './helpers/review-service.ts';

const INBOX = join(import.meta.dirname, '..', 'samples', 'inbox');
const PARTS = ['doc-001.pdf', 'doc-008.pdf', 'doc-002.pdf', 'doc-011.pdf'];

async function results(out: string): Promise<(PostedRecord | ReviewItem)[]> {
  const posted = (
    await Promise.all(
      ['finance', 'hr', 'claims'].map(async (d) =>
        (
          await readFile(join(out, 'posted', `${d}.jsonl`), 'utf8')
        )
          .split('\n')
          .filter(Boolean)
          .map((l) => PostedRecordSchema.parse(JSON.parse(l))),
      ),
    )
  ).flat();
  const review = await Promise.all(
    (await readdir(join(out, 'review'))).map(async (f) =>
      ReviewItemSchema.parse(JSON.parse(await readFile(join(out, 'review', f), 'utf8'))),
    ),
  );
  return [...posted, ...review];
}

describe('paperline process on a multi-document scan', () => {
  let input: string;
  let groups: number[][];
  let sha: string;

  beforeAll(async () => {
    input = await mkdtemp(join(tmpdir(), 'paperline-split-'));
    const scan = await concatPdfs(PARTS.map((f) => join(INBOX, f)));
    groups = scan.groups.map((g) => g.map((i) => i + 1));
    await writeFile(join(input, 'scan.pdf'), scan.bytes);
    await copyFile(join(INBOX, 'doc-005.pdf'), join(input, 'single.pdf'));
    const { createHash } = await import('node:crypto');
    sha = createHash('sha256').update(scan.bytes).digest('hex');
  });

  const run = async (thresholds?: string) => {
    const out = await mkdtemp(join(tmpdir(), 'paperline-split-out-'));
    const { deps, close } = await createLocalDeps({
      limits: DEFAULT_INGEST_LIMITS,
      ...(thresholds ? { thresholdsPath: thresholds } : {}),
    });
    let summary: RunSummary;
    try {
      summary = await runBatch([input], deps, { out, concurrency: 1, limits: DEFAULT_INGEST_LIMITS });
    } finally {
      await close();
    }
    return { summary, docs: await results(out) };
  };

  it('gives one outcome per document, with its pages and split, and the single PDF whole', async () => {
    const { summary, docs } = await run();
    expect(summary.documents).toBe(5);
    const scan = summary.files.filter((f) => f.sourceFile === 'scan.pdf');
    expect(scan.map((f) => f.id)).toEqual([1, 2, 3, 4].map((k) => `${documentId(sha)}-${k}`));
    expect(scan.map((f) => f.split?.pages)).toEqual(groups);
    expect(scan.map((f) => f.pages)).toEqual(groups.map((g) => g.length));
    for (const [i, f] of scan.entries()) {
      expect(f.split).toMatchObject({ parentId: documentId(sha), part: i + 1, of: 4, by: 'detector' });
      const doc = docs.find((d) => d.id === f.id);
      expect(doc?.split?.pages).toEqual(groups[i]);
      // Page numbers stay the file's, so evidence and page images point at the right page.
      expect(doc?.pages.map((p) => p.number)).toEqual(groups[i]);
      for (const field of Object.values(doc?.fields ?? {}))
        for (const e of field.evidence) expect(groups[i]).toContain(e.page);
    }
    expect(scan.slice(1).every((f) => (f.split?.signals.length ?? 0) > 0)).toBe(true);
    expect(scan.map((f) => f.docType)).toEqual(['invoice', 'receipt', 'invoice', 'payslip']);

    const single = summary.files.filter((f) => f.sourceFile === 'single.pdf');
    expect(single).toHaveLength(1);
    expect(single[0]?.split).toBeUndefined();
    expect(single[0]?.id).toMatch(/^[0-9a-f]{16}$/);
    expect(docs.find((d) => d.id === single[0]?.id)?.split).toBeUndefined();

    // Boundaries scored exactly at the bar (confidence 0.5) are a person's call: every part waits.
    expect(scan[0]?.split?.confidence).toBeLessThan(0.65);
    for (const f of scan) {
      expect(f.outcome).toBe('review');
      const reason = f.reasons?.find((r) => r.code === 'split-uncertain');
      expect(reason?.message).toMatch(/page \d+ starts a new document/);
    }
  });

  it('decides the parts on their own when the split is sure enough', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paperline-split-th-'));
    const file = JSON.parse(
      await readFile(join(import.meta.dirname, '..', 'pipeline', 'thresholds.json'), 'utf8'),
    );
    file.split = { boundaryScore: 3, reviewBelow: 0.4 };
    await writeFile(join(dir, 'thresholds.json'), JSON.stringify(file));
    const { summary } = await run(join(dir, 'thresholds.json'));
    const scan = summary.files.filter((f) => f.sourceFile === 'scan.pdf');
    expect(scan).toHaveLength(4);
    expect(scan.flatMap((f) => f.reasons ?? []).filter((r) => r.code === 'split-uncertain')).toEqual([]);
    expect(scan.some((f) => f.outcome === 'posted')).toBe(true);
  });
});

describe('the service on a multi-document scan', () => {
  let svc: ReviewService;
  let bytes: Uint8Array;
  let groups: number[][];

  beforeAll(async () => {
    svc = await startReviewService();
    const scan = await concatPdfs(PARTS.map((f) => join(INBOX, f)));
    bytes = scan.bytes;
    groups = scan.groups.map((g) => g.map((i) => i + 1));
  }, 120_000);
  afterAll(() => svc?.close());

  type View = {
    documentId: string;
    status: string;
    reasons: { code: string }[];
    pages: { number: number; imageUrl: string }[];
    split?: { part: number; of: number; pages: number[]; by: string };
    parts?: { documentId: string; status: string; pages: number[] }[];
  };
  const view = async (id: string) =>
    (await svc.call(svc.keys.reviewer, 'GET', `/v1/documents/${id}`)).body as unknown as View;

  it('stores each part as a document for review, and regroups them on a correction', async () => {
    const [uploaded] = await svc.upload([{ name: 'scan.pdf', bytes }]);
    const fileId = uploaded!.documentId;
    const file = await view(fileId);
    expect(file.status).toBe('split');
    expect(file.parts?.map((p) => p.pages)).toEqual(groups);
    expect(file.parts?.map((p) => p.documentId)).toEqual([1, 2, 3, 4].map((k) => `${fileId}-${k}`));

    for (const [i, p] of (file.parts ?? []).entries()) {
      const part = await view(p.documentId);
      expect(part.status).toBe('review');
      expect(part.reasons.map((r) => r.code)).toContain('split-uncertain');
      expect(part.split).toMatchObject({ part: i + 1, of: 4, pages: groups[i], by: 'detector' });
      expect(part.pages.map((pg) => pg.number)).toEqual(groups[i]);
    }
    const tasks = (await svc.call(svc.keys.reviewer, 'GET', '/v1/review/tasks')).body.tasks as {
      documentId: string;
      status: string;
    }[];
    expect(tasks.map((t) => t.documentId).sort()).toEqual([1, 2, 3, 4].map((k) => `${fileId}-${k}`));
    // A part's page image is the file's page.
    const last = await view(`${fileId}-4`);
    const image = await fetch(`${svc.baseUrl}${last.pages[0]!.imageUrl}`, {
      headers: { authorization: `Bearer ${svc.keys.reviewer}` },
    });
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');

    expect(
      (await svc.call(svc.keys.reviewer, 'POST', `/v1/documents/${fileId}/split`, { groups: [[1, 2], [3]] }))
        .status,
    ).toBe(422);

    // The reviewer merges the receipt into the first invoice: three documents, the third and fourth renumbered.
    const merged = [[...groups[0]!, ...groups[1]!], groups[2]!, groups[3]!];
    const res = await svc.call(svc.keys.reviewer, 'POST', `/v1/documents/${fileId}-2/split`, {
      groups: merged,
    });
    expect(res.body).toMatchObject({ status: 'split' });
    expect(res.status).toBe(200);
    const after = res.body as unknown as View;
    expect(after.parts?.map((p) => p.pages)).toEqual(merged);
    const first = await view(`${fileId}-1`);
    expect(first.pages.map((p) => p.number)).toEqual(merged[0]);
    expect(first.split).toMatchObject({ part: 1, of: 3, by: 'reviewer' });
    // A reviewer's grouping is not doubted again.
    expect(first.reasons.map((r) => r.code)).not.toContain('split-uncertain');
    expect((await view(`${fileId}-4`)).status).toBe('superseded');
    const open = (await svc.call(svc.keys.reviewer, 'GET', '/v1/review/tasks')).body.tasks as {
      documentId: string;
    }[];
    expect(open.map((t) => t.documentId)).not.toContain(`${fileId}-4`);

    // One group would make the file one document again, but a part the reviewer's grouping posted is final.
    const all = groups.flat();
    const whole = await svc.call(svc.keys.reviewer, 'POST', `/v1/documents/${fileId}/split`, {
      groups: [all],
    });
    const posted = after.parts?.some((p) => p.status === 'posted');
    expect(posted).toBe(true);
    expect(whole.status).toBe(409);
    expect(whole.body.error).toBe('part-posted');
    expect((await view(fileId)).parts?.map((p) => p.pages)).toEqual(merged);
  }, 180_000);
});
