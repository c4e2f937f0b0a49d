import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOcrPool, type OcrPool } from '../pipeline/adapters/ocr.ts';
import { createDecideDeps, createLocalDeps } from '../pipeline/deps.ts';
import { DEFAULT_INGEST_LIMITS, type IngestLimits, ingestFile } from '../pipeline/ingest.ts';
import { decideDocument } from '../pipeline/process-document.ts';
import { type OcrStage, readDocument } from '../pipeline/read.ts';
import { runBatch } from '../pipeline/run-batch.ts';
import { lineReaderFromEnv, ocrLanguagesFromEnv } from '../schemas/env.ts';
import { perMinute } from './engines.ts';

/**
 * One phase of the bench, run in a child process of its own so its peak memory is its own:
 * a process's maxRSS only ever grows, and in one process the scans' OCR workers would hide
 * what a digital batch needs.
 */
export type PhaseSpec =
  | {
      /** The full pipeline (runBatch, as `paperline process`) over the files. */
      type: 'pipeline';
      files: string[];
      concurrency: number;
      maxPages?: number;
      /**
       * Processed once before timing, so worker, model and pdfjs start-up (~2.5 s and ~370 MB
       * for pdfjs's first document in a process) is not counted in the rate. Default: none.
       */
      warmup?: string;
    }
  | {
      /** Reading the PDFs' text layers with pdfjs as the pipeline does, nothing after. */
      type: 'pdfjs';
      files: string[];
    }
  | {
      /** Each scanned file read page by page with stage timings, then decided. */
      type: 'profile';
      files: string[];
    };

export interface PhaseResult {
  documents: number;
  pages: number;
  seconds: number;
  pagesPerMinute: number;
  maxRssMb: number;
  /**
   * Profile only, by stage: milliseconds summed over the pages, how many times the stage ran
   * and how many engine calls (OCR, OSD, line reader) it made.
   */
  stages?: Record<string, StageTotal>;
  outcomes?: Record<string, number>;
}

export interface StageTotal {
  ms: number;
  runs: number;
  engineCalls: number;
}

const SELF = fileURLToPath(import.meta.url);
const MARK = 'PHASE_RESULT ';

/** Runs a phase in a fresh Node process (through tsx) and returns what it measured. */
export async function spawnPhase(
  spec: PhaseSpec,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PhaseResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF], {
    env,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.end(JSON.stringify(spec));
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  const line = out.split('\n').find((l) => l.startsWith(MARK));
  if (code !== 0 || !line) throw new Error(`bench phase ${spec.type} exited ${code}`);
  return JSON.parse(line.slice(MARK.length)) as PhaseResult;
}

const rssMb = () => process.resourceUsage().maxRSS / 1024;

async function pipelinePhase(spec: Extract<PhaseSpec, { type: 'pipeline' }>): Promise<PhaseResult> {
  const limits: IngestLimits = {
    ...DEFAULT_INGEST_LIMITS,
    maxPages: spec.maxPages ?? DEFAULT_INGEST_LIMITS.maxPages,
  };
  const { deps, close } = await createLocalDeps({
    limits,
    lineReader: lineReaderFromEnv(process.env),
    ocrLanguages: ocrLanguagesFromEnv(process.env),
  });
  const dir = await mkdtemp(join(tmpdir(), 'paperline-bench-out-'));
  try {
    if (spec.warmup) await runBatch([spec.warmup], deps, { out: join(dir, 'warm'), concurrency: 1, limits });
    const outcomes: Record<string, number> = {};
    const s = await runBatch(spec.files, deps, {
      out: join(dir, 'out'),
      concurrency: spec.concurrency,
      limits,
      onEvent: (e) => {
        if (e.type !== 'document') return;
        outcomes[e.outcome] = (outcomes[e.outcome] ?? 0) + 1;
        process.stderr.write(`  ${e.file}: ${e.outcome}, ${e.pages} p, ${e.seconds.toFixed(1)} s\n`);
      },
    });
    return {
      documents: spec.files.length,
      pages: s.pages,
      seconds: s.seconds,
      pagesPerMinute: s.pagesPerMinute,
      maxRssMb: rssMb(),
      outcomes,
    };
  } finally {
    await close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** A pool that reads nothing: text-layer pages never reach OCR, and one that would is a bench error. */
const NO_OCR: OcrPool = {
  recognize: () => Promise.reject(new Error('a page without a text layer in the pdfjs phase')),
  detectOrientation: () => Promise.reject(new Error('a page without a text layer in the pdfjs phase')),
  close: () => Promise.resolve(),
};

async function pdfjsPhase(spec: Extract<PhaseSpec, { type: 'pdfjs' }>): Promise<PhaseResult> {
  const read = async (path: string) => {
    const ingested = await ingestFile(path);
    if (!ingested.ok) return 0;
    try {
      return (await readDocument(ingested.file, { ocr: NO_OCR })).pages.length;
    } catch {
      // A page with no text layer would need OCR, which this phase leaves out.
      return 0;
    }
  };
  // Loads pdfjs and its fonts before timing, as the pipeline phase's warm-up document does.
  if (spec.files[0]) await read(spec.files[0]);
  const t0 = performance.now();
  let pages = 0;
  for (const path of spec.files) pages += await read(path);
  const seconds = (performance.now() - t0) / 1000;
  return {
    documents: spec.files.length,
    pages,
    seconds,
    pagesPerMinute: perMinute(pages, seconds),
    maxRssMb: rssMb(),
  };
}

/**
 * Time per stage of a scanned page. Pages are read one at a time with one OCR slot, so every
 * engine call falls inside exactly one stage: that is how the preprocess stage is split into
 * its orientation check, its legibility trial reads and its own image work.
 */
async function profilePhase(spec: Extract<PhaseSpec, { type: 'profile' }>): Promise<PhaseResult> {
  const inner = createOcrPool({
    size: 1,
    lineReader: lineReaderFromEnv(process.env),
    languages: ocrLanguagesFromEnv(process.env),
  });
  const calls: { what: 'osd' | 'ocr' | 'lines'; t0: number; t1: number }[] = [];
  const track =
    <A extends unknown[], R>(what: (typeof calls)[number]['what'], fn: (...a: A) => Promise<R>) =>
    async (...a: A) => {
      const t0 = performance.now();
      try {
        return await fn(...a);
      } finally {
        calls.push({ what, t0, t1: performance.now() });
      }
    };
  const ocr: OcrPool = {
    recognize: track('ocr', (png: Buffer, langs?: string) => inner.recognize(png, langs)),
    detectOrientation: track('osd', (png: Buffer) => inner.detectOrientation(png)),
    ...(inner.recognizeLine
      ? {
          recognizeLine: track('ocr', (png: Buffer, langs?: string) => inner.recognizeLine!(png, langs)),
        }
      : {}),
    ...(inner.readLines ? { readLines: track('lines', inner.readLines.bind(inner)) } : {}),
    ...(inner.languages ? { languages: inner.languages } : {}),
    close: () => inner.close(),
  };
  const decide = await createDecideDeps({});
  const stages: Record<string, StageTotal> = {};
  const add = (name: string, ms: number, engineCalls = 0, runs = 1) => {
    stages[name] ??= { ms: 0, runs: 0, engineCalls: 0 };
    const s = stages[name];
    s.ms += ms;
    s.runs += runs;
    s.engineCalls += engineCalls;
  };
  const onStage = (stage: OcrStage, ms: number) => {
    const t1 = performance.now();
    const t0 = t1 - ms;
    const inside = calls.filter((c) => c.t0 >= t0 - 1 && c.t1 <= t1 + 1);
    calls.length = 0;
    if (stage !== 'preprocess') return add(stage, ms, inside.length);
    const osd = inside.filter((c) => c.what === 'osd');
    const trials = inside.filter((c) => c.what === 'ocr');
    const sum = (cs: typeof inside) => cs.reduce((a, c) => a + c.t1 - c.t0, 0);
    add('preprocess: orientation (OSD)', sum(osd), osd.length);
    add('preprocess: legibility trial reads', sum(trials), trials.length);
    add('preprocess: image work', ms - sum(osd) - sum(trials));
  };
  try {
    // Starts the workers (and the line reader's models) outside the timed pages.
    if (spec.files[0]) {
      const first = await ingestFile(spec.files[0]);
      if (first.ok) {
        const warm = await readDocument(first.file, { ocr }, { concurrency: 1 });
        // The line reader loads its models on first use, which a sure first page never asks for.
        const png = warm.pageImages.find((p) => p !== null);
        if (png && inner.readLines) await inner.readLines(png);
      }
    }
    calls.length = 0;
    const t0 = performance.now();
    let pages = 0;
    for (const path of spec.files) {
      const ingested = await ingestFile(path);
      if (!ingested.ok) continue;
      const read = await readDocument(ingested.file, { ocr }, { concurrency: 1, onStage });
      pages += read.pages.length;
      const d0 = performance.now();
      await decideDocument(ingested.file, read, decide);
      add('classify, extract, validate, route', performance.now() - d0, 0);
      process.stderr.write(`  profiled ${ingested.file.fileName} (${read.pages.length} p)\n`);
    }
    const seconds = (performance.now() - t0) / 1000;
    add('total', seconds * 1000, 0, pages);
    return {
      documents: spec.files.length,
      pages,
      seconds,
      pagesPerMinute: perMinute(pages, seconds),
      maxRssMb: rssMb(),
      stages,
    };
  } finally {
    await ocr.close();
  }
}

async function main(): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const spec = JSON.parse(input) as PhaseSpec;
  const result =
    spec.type === 'pipeline'
      ? await pipelinePhase(spec)
      : spec.type === 'pdfjs'
        ? await pdfjsPhase(spec)
        : await profilePhase(spec);
  process.stdout.write(`\n${MARK}${JSON.stringify(result)}\n`);
}

if (process.argv[1] === SELF) {
  main().then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`bench phase failed: ${(e as Error).stack}\n`);
      process.exit(1);
    },
  );
}
