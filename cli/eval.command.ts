import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { createPglite } from '../pipeline/adapters/db.ts';
import { createLocalDeps } from '../pipeline/deps.ts';
import { isPipelineError } from '../pipeline/errors.ts';
import {
  aggregate,
  characterErrors,
  type DocumentScore,
  type EvalReport,
  predictedFields,
  scoreDocument,
} from '../pipeline/evaluation.ts';
import { DEFAULT_INGEST_LIMITS, ingestFile } from '../pipeline/ingest.ts';
import { migrate } from '../pipeline/migrate.ts';
import type { DocumentOutcome } from '../pipeline/process-document.ts';
import { renderPdfPageImage } from '../pipeline/read.ts';
import { type LearningWindow, learningCurve, replayStream, type StreamDocument } from '../pipeline/replay.ts';
import { runBatch } from '../pipeline/run-batch.ts';
import { applyVendorMemory } from '../pipeline/vendor-memory.ts';
import { lineReaderFromEnv, ocrLanguagesFromEnv } from '../schemas/env.ts';
import { type MetadataLine, MetadataLineSchema } from '../schemas/eval.ts';
import type { ReadResult } from '../schemas/read.ts';
import { type MissImage, writeHtmlReport } from './eval-report.ts';
import { createProgress } from './progress.ts';
import { formatTable } from './table.ts';

export interface EvalOptions {
  json?: boolean;
  report?: string;
  out?: string;
  concurrency?: string;
  thresholds?: string;
  /** Score the pages alone: embedded e-invoice XML is dropped before the document is decided. */
  ignoreAttachments?: boolean;
  /** Write every document's scored fields here, for bench/calibrate.ts. */
  scores?: string;
  /**
   * Score one half only, as bench/calibrate.ts splits a folder (file names sorted; 'even'
   * positions are the half thresholds are fitted on, 'odd' the held-out half).
   */
  half?: 'even' | 'odd';
  /** The fitted confidence model file, or 'none' for the rules' own confidences. */
  confidenceModel?: string;
  /** Replay the folder in order, correcting and approving every reviewed document (vendor memory learns). */
  learn?: boolean;
  /** With --learn: keep the vendor memory database here (default: a temporary folder). */
  memory?: string;
}

/** The createLocalDeps option a --confidence-model value stands for. */
export function confidenceModelOption(value: string | undefined): { confidenceModelPath?: string | null } {
  if (value === undefined) return {};
  return { confidenceModelPath: value === 'none' ? null : resolve(value) };
}

/** The half of a folder's documents bench/calibrate.ts fits on ('even') or holds out ('odd'). */
export function halfOf<T extends { file_name: string }>(lines: T[], half: 'even' | 'odd'): T[] {
  const sorted = [...lines].sort((a, b) => a.file_name.localeCompare(b.file_name));
  return sorted.filter((_, i) => i % 2 === (half === 'even' ? 0 : 1));
}

export async function readMetadata(folder: string): Promise<MetadataLine[]> {
  const path = join(folder, 'metadata.jsonl');
  const text = await readFile(path, 'utf8').catch(() => {
    throw new Error(`${path} not found: an evaluation folder holds documents and a metadata.jsonl`);
  });
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line, i) => {
      const parsed = MetadataLineSchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`${path} line ${i + 1}: ${parsed.error.issues[0]?.message}`);
      return parsed.data;
    });
}

/** The dataset's own line transcripts (`ocr-lines/<id>.csv`: 8 coordinates, then the text). */
export async function transcript(folder: string, fileName: string): Promise<string | null> {
  const path = join(folder, 'ocr-lines', `${basename(fileName, extname(fileName))}.csv`);
  if (!existsSync(path)) return null;
  const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  return lines.map((l) => l.split(',').slice(8).join(',')).join('\n');
}

export interface EvalRun {
  report: EvalReport;
  scores: DocumentScore[];
  outcomes: Map<string, { result: DocumentOutcome; seconds: number }>;
  /** How each file's pages were read, by file name. */
  reads: Map<string, ReadResult>;
}

/**
 * Runs the pipeline over an evaluation folder and scores it. With `pageDir`, every page image
 * reading made (the scans') is kept there as `<file name>-<page>.png`, for reports that draw on
 * them; text-layer pages are left to be drawn on demand (missEvidence).
 */
export async function runEval(folder: string, opts: EvalOptions & { pageDir?: string }): Promise<EvalRun> {
  const dir = resolve(folder);
  const all = await readMetadata(dir);
  if (opts.half && opts.half !== 'even' && opts.half !== 'odd') throw new Error('--half is even or odd');
  const truth = opts.half ? halfOf(all, opts.half) : all;
  const { deps, close } = await createLocalDeps({
    thresholdsPath: opts.thresholds,
    ...confidenceModelOption(opts.confidenceModel),
    limits: DEFAULT_INGEST_LIMITS,
    lineReader: lineReaderFromEnv(process.env),
    ocrLanguages: ocrLanguagesFromEnv(process.env),
  });
  // CER needs the raw reading, which the outcome does not carry; keep it per file as it passes.
  const reads = new Map<string, ReadResult>();
  const measured = {
    ...deps,
    read: async (file: Parameters<typeof deps.read>[0], hooks: Parameters<typeof deps.read>[1]) => {
      const r = await deps.read(file, hooks);
      if (opts.ignoreAttachments) delete r.attachments;
      reads.set(file.fileName, { pages: r.pages });
      // Scans' images exist already and are kept; text-layer pages are drawn only if a report shows them.
      if (opts.pageDir && r.pageImages) {
        await mkdir(opts.pageDir, { recursive: true });
        await Promise.all(
          r.pageImages.map((png, i) =>
            png ? writeFile(join(opts.pageDir ?? '', `${file.fileName}-${i + 1}.png`), png) : null,
          ),
        );
      }
      return r;
    },
  };
  const outcomes = new Map<string, { result: DocumentOutcome; seconds: number }>();
  const progress = createProgress();
  const out = opts.out ?? (await mkdtemp(join(tmpdir(), 'paperline-eval-')));
  const started = performance.now();
  let summary: Awaited<ReturnType<typeof runBatch>>;
  try {
    summary = await runBatch(
      truth.map((t) => join(dir, t.file_name)),
      measured,
      {
        out,
        concurrency: opts.concurrency ? Number(opts.concurrency) : availableParallelism(),
        limits: DEFAULT_INGEST_LIMITS,
        onEvent: (e) => {
          progress.onEvent(e);
          if (e.type === 'document' && e.result)
            outcomes.set(e.file, { result: e.result, seconds: e.seconds });
        },
      },
    );
  } finally {
    progress.stop();
    await close();
    if (!opts.out) await rm(out, { recursive: true, force: true });
  }
  const wall = (performance.now() - started) / 1000;
  for (const d of summary.duplicates) {
    const first = outcomes.get(d.duplicateOf);
    if (first) outcomes.set(d.sourceFile, first);
  }
  const scores: DocumentScore[] = [];
  for (const t of truth) {
    const o = outcomes.get(t.file_name);
    if (!o) throw new Error(`no outcome for ${t.file_name}`);
    const ref = await transcript(dir, t.file_name);
    const read = reads.get(t.file_name);
    const cer =
      ref !== null && read
        ? characterErrors(ref, read.pages.flatMap((p) => p.lines.map((l) => l.text)).join('\n'))
        : null;
    scores.push(scoreDocument(t, o.result, { seconds: o.seconds, cer }));
  }
  return { report: aggregate(scores, wall), scores, outcomes, reads };
}

export interface LearnRun {
  report: EvalReport;
  scores: DocumentScore[];
  curve: LearningWindow[];
  /** Vendor memory entries the approvals added over the stream. */
  learned: number;
}

/**
 * `eval --learn`: the folder lived in file-name order, as a team would: each document the
 * pipeline sends to review is corrected to its truth and approved through the review code
 * (claim, correct, approve), so vendor memory learns and later documents of the same vendor
 * are decided with it. Pages are read ahead in parallel (reading does not depend on memory);
 * deciding is strictly in order.
 */
export async function runLearn(folder: string, opts: EvalOptions): Promise<LearnRun> {
  const dir = resolve(folder);
  const all = await readMetadata(dir);
  const truth = [...(opts.half ? halfOf(all, opts.half) : all)].sort((a, b) =>
    a.file_name.localeCompare(b.file_name),
  );
  const memoryDir = opts.memory ? resolve(opts.memory) : await mkdtemp(join(tmpdir(), 'paperline-learn-'));
  await mkdir(memoryDir, { recursive: true });
  const db = await createPglite(memoryDir);
  await migrate(db);
  const { deps, close } = await createLocalDeps({
    thresholdsPath: opts.thresholds,
    ...confidenceModelOption(opts.confidenceModel),
    vendorMemory: (docType, read, fields) => applyVendorMemory(db, docType, read, fields),
    limits: DEFAULT_INGEST_LIMITS,
    lineReader: lineReaderFromEnv(process.env),
    ocrLanguages: ocrLanguagesFromEnv(process.env),
  });
  const progress = createProgress();
  const readOne = async (t: MetadataLine): Promise<StreamDocument> => {
    const path = join(dir, t.file_name);
    const ingested = await ingestFile(path, DEFAULT_INGEST_LIMITS);
    if (!ingested.ok) {
      const file = {
        path,
        fileName: t.file_name,
        bytes: new Uint8Array(),
        sha256: createHash('sha256').update(t.file_name).digest('hex'),
        format: 'pdf' as const,
        sizeBytes: 0,
      };
      return { truth: t, file, read: { failed: ingested.failure } };
    }
    try {
      const read = await deps.read(ingested.file, {
        onPage: (p) => progress.onEvent({ type: 'page', file: t.file_name, page: p.number }),
      });
      if (opts.ignoreAttachments) delete read.attachments;
      return { truth: t, file: ingested.file, read };
    } catch (e) {
      const failed = isPipelineError(e)
        ? { code: e.code, message: e.message }
        : { code: 'internal-error', message: (e as Error).message };
      return { truth: t, file: ingested.file, read: { failed } };
    }
  };
  const ahead = opts.concurrency ? Number(opts.concurrency) : availableParallelism();
  const stream = async function* () {
    const pending: Promise<StreamDocument>[] = [];
    let next = 0;
    const refill = () => {
      while (next < truth.length && pending.length < ahead) pending.push(readOne(truth[next++]!));
    };
    refill();
    while (pending.length > 0) {
      const d = await pending.shift()!;
      refill();
      yield d;
    }
  };
  progress.onEvent({ type: 'discovered', files: truth.length });
  const started = performance.now();
  try {
    const { scores, learned } = await replayStream(db, stream(), deps, ({ score }) =>
      progress.onEvent({
        type: 'document',
        file: score.fileName,
        outcome: score.outcome,
        pages: 0,
        seconds: score.seconds,
      }),
    );
    const report = aggregate(scores, (performance.now() - started) / 1000);
    return { report, scores, curve: learningCurve(scores), learned };
  } finally {
    progress.stop();
    await close();
    await db.close();
    if (!opts.memory) await rm(memoryDir, { recursive: true, force: true });
  }
}

export async function evalCommand(folder: string, opts: EvalOptions): Promise<void> {
  if (opts.learn) {
    if (opts.report) throw new Error('--report draws pages from a batch run; it does not go with --learn');
    const run = await runLearn(folder, opts);
    if (opts.scores) await writeFile(opts.scores, `${JSON.stringify(run.scores)}\n`);
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({ ...run.report, learningCurve: run.curve, learned: run.learned })}\n`,
      );
      return;
    }
    process.stdout.write(
      `\n${formatReport(run.report)}\n\nvendor memory entries learned: ${run.learned}\n${formatLearningCurve(run.curve)}\n`,
    );
    return;
  }
  // Every page image is kept while the run lasts, in a folder of its own: the report writes out
  // only the crops it shows.
  const pageDir = opts.report ? await mkdtemp(join(tmpdir(), 'paperline-eval-pages-')) : undefined;
  try {
    const { report, scores, outcomes, reads } = await runEval(folder, {
      ...opts,
      ...(pageDir ? { pageDir } : {}),
    });
    if (opts.report && pageDir) {
      const path = await writeHtmlReport(opts.report, report, scores, (fileName, field) =>
        missEvidence(outcomes.get(fileName)?.result, fileName, field, {
          pageDir,
          path: join(resolve(folder), fileName),
          read: reads.get(fileName),
        }),
      );
      process.stderr.write(`Report written to ${path}\n`);
    }
    if (opts.scores) await writeFile(opts.scores, `${JSON.stringify(scores)}\n`);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return;
    }
    process.stdout.write(`\n${formatReport(report)}\n`);
  } finally {
    if (pageDir) await rm(pageDir, { recursive: true, force: true });
  }
}

/** Where a field was read, for the report: its page image and every evidence box on that page. */
export function missEvidence(
  outcome: DocumentOutcome | undefined,
  fileName: string,
  field: string,
  source: {
    /** Where the run kept the page images it made (`<file name>-<page>.png`). */
    pageDir: string;
    /** The original file, to draw a text-layer page from. */
    path: string;
    read: ReadResult | undefined;
  },
): MissImage {
  const evidence = outcome ? (predictedFields(outcome)[field]?.evidence ?? []) : [];
  const page = evidence[0]?.page ?? 1;
  const pagePath = join(source.pageDir, `${fileName}-${page}.png`);
  const read = source.read?.pages.find((p) => p.number === page);
  const documentId =
    outcome?.kind === 'posted' ? outcome.record.id : outcome?.kind === 'review' ? outcome.item.id : null;
  const image = existsSync(pagePath)
    ? () => readFile(pagePath)
    : read?.source === 'text-layer'
      ? async () => renderPdfPageImage(new Uint8Array(await readFile(source.path)), page, read.dpi)
      : null;
  return {
    fileName,
    field,
    documentId,
    image,
    boxes: evidence.flatMap((e) => (e.page === page && e.box ? [e.box] : [])),
  };
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);

export function formatReport(r: EvalReport): string {
  const fieldRows = Object.entries(r.fields).map(([k, f]) => [
    k,
    f.n,
    f.accuracy.toFixed(3),
    f.similarity.toFixed(3),
  ]);
  const types = [
    ...new Set([
      ...Object.keys(r.confusion),
      ...Object.values(r.confusion).flatMap((row) => Object.keys(row)),
    ]),
  ].sort();
  const confusionRows = Object.keys(r.confusion)
    .sort()
    .map((t) => [t, ...types.map((p) => r.confusion[t]?.[p] ?? 0)]);
  const headline: (string | number)[][] = [
    ['documents', r.documents],
    [
      'outcomes',
      `posted ${r.outcomes.posted ?? 0}, review ${r.outcomes.review ?? 0}, failed ${r.outcomes.failed ?? 0}`,
    ],
    ['classification accuracy', pct(r.classificationAccuracy)],
    ['placed where the truth says', pct(r.placementAccuracy)],
    ['STP rate (posted without review)', pct(r.stpRate)],
    ['posted-field error rate', `${pct(r.postedFieldErrorRate)} of ${r.postedFields} fields`],
    ['OCR character error rate', pct(r.ocrCharacterErrorRate)],
    ['pages per minute', r.pagesPerMinute.toFixed(1)],
    ['seconds per document', r.secondsPerDocument.toFixed(2)],
  ];
  const at = (x: { stp: number; threshold: number } | null) =>
    x === null ? 'not reached' : `${pct(x.stp)} (every field at >= ${x.threshold})`;
  headline.push(['STP at <= 1% posted-field error', at(r.stpAt1Percent)]);
  headline.push(['STP at <= 0.5% posted-field error', at(r.stpAtHalfPercent)]);
  const riskRows = r.riskCoverage.map((p) => [
    p.threshold,
    pct(p.stp),
    p.postedFieldError === null ? 'n/a' : `${(p.postedFieldError * 100).toFixed(2)}%`,
    p.postedFields,
  ]);
  return [
    formatTable(['summary', ''], headline),
    '',
    formatTable(['field', 'n', 'accuracy', 'similarity'], fieldRows),
    '',
    'risk-coverage (one bar for every field; documents held for other reasons stay held)',
    formatTable(['bar', 'STP', 'posted-field error', 'posted fields'], riskRows),
    '',
    'confusion (rows: truth, columns: predicted)',
    formatTable(['', ...types], confusionRows),
  ].join('\n');
}

export function formatLearningCurve(windows: LearningWindow[]): string {
  return [
    'learning curve (documents in the order replayed)',
    formatTable(
      ['documents', 'STP', 'posted-field error', 'posted fields'],
      windows.map((w) => [
        `${w.from}-${w.to}`,
        pct(w.stp),
        w.postedFieldError === null ? 'n/a' : `${(w.postedFieldError * 100).toFixed(2)}%`,
        w.postedFields,
      ]),
    ),
  ].join('\n');
}
