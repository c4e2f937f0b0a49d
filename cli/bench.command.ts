import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  type EngineRun,
  hasCommand,
  paperlineTessdata,
  pdftotextRun,
  rasteriseScans,
  tesseractRun,
} from '../bench/engines.ts';
import { buildLongPdf } from '../bench/long-pdf.ts';
import { type PhaseResult, type PhaseSpec, spawnPhase } from '../bench/phase.ts';
import type { ScaleRun } from '../bench/scale.ts';
import { ingestFile } from '../pipeline/ingest.ts';
import { countPages } from '../pipeline/read.ts';
import { generateBatch } from '../samples/generator/batch.ts';
import { formatTable } from './table.ts';

export interface BenchOptions {
  count?: string;
  seed?: string;
  concurrency?: string;
  realLimit?: string;
  skipScale?: boolean;
  skipMemory?: boolean;
  skipProfile?: boolean;
  skipSideBySide?: boolean;
  json?: boolean;
}

/** Where the shared datasets are: PAPERLINE_DATASETS, else ../shared/datasets beside the checkout. */
export function datasetsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.PAPERLINE_DATASETS ?? resolve(import.meta.dirname, '../../shared/datasets');
}

/** Paperline's rate over the engine's, two places; null when the engine did not run. */
export function ratio(paperline: number, engine: number | null | undefined): number | null {
  return engine ? Math.round((paperline / engine) * 100) / 100 : null;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;
const log = (s: string) => process.stderr.write(`${s}\n`);

interface SideBySideRow {
  set: string;
  documents: number;
  pages: number;
  paperline: string;
  paperlinePagesPerMinute: number;
  paperlineSeconds: number;
  peakRssMb: number;
  engine: string;
  enginePagesPerMinute: number | null;
  ratio: number | null;
  note?: string;
}

async function listFiles(dir: string, ext: RegExp, limit: number): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir))
    .filter((f) => ext.test(f))
    .sort()
    .slice(0, limit)
    .map((f) => join(dir, f));
}

async function totalPages(files: string[]): Promise<number> {
  let n = 0;
  for (const f of files) {
    const ingested = await ingestFile(f);
    if (ingested.ok) n += await countPages(ingested.file).catch(() => 0);
  }
  return n;
}

/**
 * Paperline side by side with the engines it is built on, on the same pages in one run;
 * each of its phases in a child process of its own, for an honest peak memory per phase.
 */
export async function benchCommand(opts: BenchOptions): Promise<void> {
  const count = Number(opts.count ?? 48);
  const seed = Number(opts.seed ?? 7);
  const realLimit = Number(opts.realLimit ?? 20);
  const cores = availableParallelism();
  const concurrency = Number(opts.concurrency ?? cores);
  const dir = await mkdtemp(join(tmpdir(), 'paperline-bench-'));
  const results: Record<string, unknown> = { cores, concurrency };
  const out: string[] = [];
  try {
    log(`Generating ${count} sample documents (seed ${seed})...`);
    const lines = await generateBatch({ out: join(dir, 'docs'), count, seed });
    const generated = (kind: 'digital' | 'scan') =>
      lines.filter((l) => l.kind === kind).map((l) => join(dir, 'docs', l.file_name));
    const datasets = datasetsDir();
    const sroie = await listFiles(join(datasets, 'sroie-dev'), /\.jpe?g$/i, realLimit);
    const einvoice = await listFiles(join(datasets, 'einvoice-dev'), /\.pdf$/i, realLimit);
    const notes: string[] = [];
    if (realLimit > 0 && sroie.length === 0)
      notes.push(`no SROIE receipts under ${datasets}/sroie-dev: skipped`);
    if (realLimit > 0 && einvoice.length === 0)
      notes.push(`no einvoice-dev PDFs under ${datasets}/einvoice-dev: skipped`);

    if (!opts.skipSideBySide) {
      const rows = await sideBySide(dir, concurrency, cores, notes, {
        scans: [
          ['generated scans', generated('scan')],
          ['SROIE receipts', sroie],
        ],
        digital: [
          ['generated digital', generated('digital')],
          ['einvoice-dev PDFs', einvoice],
        ],
      });
      results.sideBySide = rows;
      out.push(
        'Side by side, same pages (Paperline: full pipeline, one process; engines: one process per core)',
        formatTable(
          ['set', 'docs', 'pages', 'paperline', 'p/min', 'peak MB', 'engine', 'engine p/min', 'ratio'],
          rows.map((r) => [
            r.set,
            r.documents,
            r.pages,
            r.paperline,
            round1(r.paperlinePagesPerMinute),
            Math.round(r.peakRssMb),
            r.engine,
            r.enginePagesPerMinute === null ? '-' : round1(r.enginePagesPerMinute),
            r.ratio === null ? '-' : r.ratio,
          ]),
        ),
      );
    }

    if (!opts.skipMemory) {
      const sources = lines
        .filter((l) => l.kind === 'digital' && l.docType === 'invoice')
        .map((l) => join(dir, 'docs', l.file_name));
      const memory = await memoryGrowth(dir, sources.length > 0 ? sources : generated('digital'));
      results.memory = memory;
      out.push(
        '',
        'Memory as one PDF grows (full pipeline, each in its own process)',
        formatTable(
          ['pages', 'seconds', 'p/min', 'peak MB'],
          memory.runs.map((m) => [
            m.pages,
            round1(m.seconds),
            round1(m.pagesPerMinute),
            Math.round(m.maxRssMb),
          ]),
        ),
        `peak memory 500/10 pages: ${memory.growth.toFixed(2)}x (target within 1.20x)`,
      );
    }
    if (!opts.skipProfile) {
      const sets: [string, string[]][] = [
        ['generated scans', generated('scan').slice(0, PROFILE_FILES)],
        ['SROIE receipts', sroie.slice(0, PROFILE_FILES)],
      ];
      const profiles: Record<string, PhaseResult> = {};
      for (const [set, files] of sets) {
        if (files.length === 0) continue;
        log(`profile: ${set}, ${files.length} files one page at a time...`);
        const p = await spawnPhase({ type: 'profile', files });
        profiles[set] = p;
        out.push(
          '',
          `Profile of a scanned page, ${set} (${p.pages} pages, one OCR slot, warm)`,
          profileTable(p),
        );
      }
      results.profile = profiles;
    }
    if (!opts.skipScale) {
      const scale = await scaleOut(generated('scan'), notes);
      if (scale) {
        results.scale = scale;
        out.push(
          '',
          'Scale: `paperline worker` processes on one Redis, PAPERLINE_PAGE_CONCURRENCY=1 each, same scans',
          formatTable(
            [
              'workers',
              'docs',
              'seconds',
              'docs/min',
              'CPU s/doc',
              'cores ours',
              'cores others',
              'posted',
              'review',
              'failed',
            ],
            scale.runs.map((r) => [
              r.workers,
              r.documents,
              round1(r.seconds),
              round1(r.documentsPerMinute),
              round1(r.cpuSecondsPerDocument),
              round2(r.oursCores),
              round2(r.othersCores),
              r.counts.posted ?? 0,
              r.counts.review ?? 0,
              r.counts.failed ?? 0,
            ]),
          ),
          `speedup 2 vs 1 worker: ${scale.speedup.toFixed(2)}x (target 1.8x on ${cores} cores)` +
            ` = cores ours ${scale.coresGain.toFixed(2)}x / CPU per doc ${scale.workGrowth.toFixed(2)}x`,
          `the machine allowed: ${scale.allowed.toFixed(2)}x (the cores other processes left free, at most those one worker kept busy alone, times the workers)`,
        );
      }
    }
    results.notes = notes;
    if (notes.length) out.push('', ...notes.map((n) => `note: ${n}`));
    out.push('', `${cores} cores, ${concurrency} documents at once in Paperline`);
    if (opts.json) process.stdout.write(`${JSON.stringify(results)}\n`);
    else process.stdout.write(`\n${out.join('\n')}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function sideBySide(
  dir: string,
  concurrency: number,
  cores: number,
  notes: string[],
  sets: { scans: [string, string[]][]; digital: [string, string[]][] },
): Promise<SideBySideRow[]> {
  const rows: SideBySideRow[] = [];
  const pipeline = (files: string[]): PhaseSpec => ({
    type: 'pipeline',
    files,
    concurrency,
    ...(files[0] ? { warmup: files[0] } : {}),
  });
  const row = (
    set: string,
    paperline: string,
    p: PhaseResult,
    engine: string,
    e: EngineRun | null,
  ): SideBySideRow => ({
    set,
    documents: p.documents,
    pages: p.pages,
    paperline,
    paperlinePagesPerMinute: p.pagesPerMinute,
    paperlineSeconds: p.seconds,
    peakRssMb: p.maxRssMb,
    engine,
    enginePagesPerMinute: e?.pagesPerMinute ?? null,
    ratio: ratio(p.pagesPerMinute, e?.pagesPerMinute),
  });

  const tesseract = hasCommand('tesseract');
  if (!tesseract)
    notes.push('native tesseract not installed (apt-get install tesseract-ocr): scan comparison skipped');
  const tessdata = tesseract ? await paperlineTessdata(join(dir, 'tessdata')) : null;
  for (const [set, files] of sets.scans) {
    if (files.length === 0) continue;
    log(`${set}: Paperline full pipeline on ${files.length} files...`);
    const p = await spawnPhase(pipeline(files));
    let e: EngineRun | null = null;
    if (tessdata) {
      const pngs = await rasteriseScans(files, join(dir, 'png', set.replace(/\W+/g, '-')));
      log(`${set}: native tesseract on ${pngs.length} page images, ${cores} processes...`);
      e = await tesseractRun(pngs, tessdata, cores);
    }
    rows.push(row(set, 'pipeline', p, `tesseract x${cores}`, e));
  }

  const pdftotext = hasCommand('pdftotext');
  if (!pdftotext)
    notes.push('pdftotext not installed (apt-get install poppler-utils): digital comparison skipped');
  for (const [set, files] of sets.digital) {
    if (files.length === 0) continue;
    log(`${set}: Paperline full pipeline on ${files.length} PDFs...`);
    const p = await spawnPhase(pipeline(files));
    log(`${set}: pdfjs text layer only...`);
    const t = await spawnPhase({ type: 'pdfjs', files });
    let e: EngineRun | null = null;
    if (pdftotext) {
      log(`${set}: pdftotext -bbox, ${cores} processes...`);
      e = await pdftotextRun(files, await totalPages(files), cores);
    }
    rows.push(row(set, 'pipeline', p, `pdftotext x${cores}`, e));
    rows.push(row(set, 'pdfjs text only', t, `pdftotext x${cores}`, e));
  }
  return rows;
}

const MEMORY_PAGES = [10, 100, 500];

async function memoryGrowth(dir: string, sources: string[]) {
  const runs: (PhaseResult & { pages: number })[] = [];
  for (const pages of MEMORY_PAGES) {
    const file = join(dir, `long-${pages}.pdf`);
    await buildLongPdf(sources, pages, file);
    log(`memory: one PDF of ${pages} pages through the pipeline...`);
    const r = await spawnPhase({
      type: 'pipeline',
      files: [file],
      concurrency: 1,
      maxPages: pages,
      warmup: sources[0]!,
    });
    runs.push({ ...r, pages });
  }
  const first = runs[0]!.maxRssMb;
  const last = runs.at(-1)!.maxRssMb;
  return { runs, growth: last / first };
}

const SCALE_WORKERS = [1, 2];
/**
 * Warm-up documents per worker process, not timed. With one a process, a worker could still
 * start a language's model or the line reader inside the timed batch, a cost the one-process
 * run had paid in its warm-up; with more, each process has most likely loaded what it needs.
 */
const WARM_PER_WORKER = 2;
/** Fewer timed documents than this and the last few, split unevenly, decide the figure. */
const MIN_SCALE_DOCS = 12;

async function scaleOut(scans: string[], notes: string[]) {
  const warm = WARM_PER_WORKER * Math.max(...SCALE_WORKERS);
  if (scans.length < warm + MIN_SCALE_DOCS) {
    notes.push(
      `scale skipped: ${scans.length} generated scans, fewer than ${warm + MIN_SCALE_DOCS} (raise --count; 48 gives 28)`,
    );
    return null;
  }
  // Dev-only helpers (the tests' service environment): loaded only when this part runs.
  const { scaleRun } = await import('../bench/scale.ts');
  const runs = [];
  for (const workers of SCALE_WORKERS) {
    log(`scale: ${workers} worker process(es), ${scans.length - warm} scans...`);
    try {
      runs.push(await scaleRun(workers, scans.slice(0, warm), scans.slice(warm)));
    } catch (e) {
      notes.push(`scale skipped: ${(e as Error).message.split('\n')[0]} (needs Redis and PostgreSQL)`);
      return null;
    }
  }
  const [one, two] = runs as [ScaleRun, ScaleRun];
  return {
    runs,
    speedup: two.documentsPerMinute / one.documentsPerMinute,
    coresGain: two.oursCores / one.oursCores,
    workGrowth: two.cpuSecondsPerDocument / one.cpuSecondsPerDocument,
    allowed: speedupAllowed(one, two, availableParallelism()),
  };
}

/**
 * The speedup the machine allowed the larger run: the ratio of the cores each run could have
 * had. Those are the cores the other processes left, and no more than what one worker kept busy
 * alone times the workers: a worker keeps more than one core busy (its deciding of one document
 * overlaps its reading of the next), so two on two cores cannot reach 2x.
 */
export function speedupAllowed(
  one: Pick<ScaleRun, 'workers' | 'oursCores' | 'othersCores'>,
  more: Pick<ScaleRun, 'workers' | 'othersCores'>,
  cores: number,
): number {
  const perWorker = one.oursCores / one.workers;
  const free = (r: Pick<ScaleRun, 'workers' | 'othersCores'>) =>
    Math.max(0.01, Math.min(r.workers * perWorker, cores - r.othersCores));
  return free(more) / free(one);
}

const PROFILE_FILES = 6;

/** Milliseconds per page by stage (averaged over every page, run or not), its share, runs and engine calls. */
export function profileTable(p: PhaseResult): string {
  const stages = Object.entries(p.stages ?? {}).filter(([name]) => name !== 'total');
  const total = p.seconds * 1000;
  const pages = Math.max(1, p.pages);
  const share = (ms: number) => Number(((100 * ms) / Math.max(1, total)).toFixed(1));
  const rows: (string | number)[][] = stages.map(([name, s]) => [
    name,
    Math.round(s.ms / pages),
    share(s.ms),
    s.runs,
    s.engineCalls,
  ]);
  const rest = total - stages.reduce((a, [, s]) => a + s.ms, 0);
  rows.push(['other (between stages)', Math.round(rest / pages), share(rest), 0, 0]);
  rows.push(['total', Math.round(total / pages), 100, p.pages, 0]);
  return formatTable(['stage', 'ms/page', '%', 'runs', 'engine calls'], rows);
}
