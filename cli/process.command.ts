import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { createLocalDeps } from '../pipeline/deps.ts';
import { DEFAULT_INGEST_LIMITS, type IngestedFile } from '../pipeline/ingest.ts';
import { documentId } from '../pipeline/process-document.ts';
import { runBatch } from '../pipeline/run-batch.ts';
import { plural } from '../pipeline/wording.ts';
import { lineReaderFromEnv, ocrLanguagesFromEnv } from '../schemas/env.ts';
import { llmConfigFromEnv } from '../schemas/llm.ts';
import type { ReadResult } from '../schemas/read.ts';
import type { RunSummary } from '../schemas/record.ts';
import { confidenceModelOption } from './eval.command.ts';
import { type LocalMemory, openLocalMemory } from './learn.command.ts';
import { createProgress } from './progress.ts';
import { formatTable } from './table.ts';

export interface ProcessOptions {
  out: string;
  concurrency?: string;
  thresholds?: string;
  confidenceModel?: string;
  /** A vendor memory folder: consulted when deciding, and where `paperline learn` teaches it. */
  memory?: string;
  /** Write every page's image to `<out>/pages/<id>/<n>.png` (text-layer pages are drawn for it). */
  pageImages?: boolean;
}

export async function processCommand(inputs: string[], opts: ProcessOptions): Promise<void> {
  const concurrency = opts.concurrency === undefined ? availableParallelism() : Number(opts.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`--concurrency must be a whole number of at least 1, got "${opts.concurrency}"`);
  }
  const memory: LocalMemory | null = opts.memory ? await openLocalMemory(opts.memory) : null;
  const { deps: local, close } = await createLocalDeps({
    ...localDepsOptions(opts),
    ...(memory ? { vendorMemory: memory.hook } : {}),
    ...(opts.pageImages ? { renderTextLayerPages: true } : {}),
  });
  // With a memory, each document is recorded there with its pages, which its outcome event
  // does not carry: kept from the read until the document is decided.
  const reads = new Map<string, { file: IngestedFile; read: ReadResult }>();
  const deps =
    memory || opts.pageImages
      ? {
          ...local,
          read: async (file: IngestedFile, hooks: Parameters<typeof local.read>[1]) => {
            const read = await local.read(file, hooks);
            if (memory) reads.set(file.fileName, { file, read });
            if (opts.pageImages) await writePageImages(opts.out, documentId(file.sha256), read.pageImages);
            return read;
          },
        }
      : local;
  const recording: Promise<void>[] = [];
  const progress = createProgress();
  let summary: RunSummary;
  try {
    summary = await runBatch(inputs, deps, {
      out: opts.out,
      concurrency,
      limits: DEFAULT_INGEST_LIMITS,
      onEvent: (e) => {
        progress.onEvent(e);
        const kept = e.type === 'document' ? reads.get(e.file) : undefined;
        if (memory && e.type === 'document' && e.result && kept) {
          reads.delete(e.file);
          recording.push(memory.record(kept.file, kept.read, e.result));
        }
      },
    });
    await Promise.all(recording);
  } finally {
    progress.stop();
    await close();
    await memory?.close();
  }
  if (summary.documents === 0) {
    process.stderr.write(
      `paperline: nothing to process: no files in ${inputs.join(', ')} (hidden files and metadata.jsonl are skipped)\n`,
    );
    process.exitCode = 1;
    return;
  }
  process.stdout.write(
    `\n${filesTable(summary)}\n\n${summaryTable(summary)}\n\nResults in ${resolve(opts.out)}\n`,
  );
  // A batch in which nothing could be read is a failure a script or a scheduler must notice.
  if (summary.failed === summary.documents) {
    process.stderr.write(
      `paperline: every file failed (${plural(summary.failed, 'file')}); see failed.jsonl\n`,
    );
    process.exitCode = 1;
  }
}

/** The pipeline as `paperline process` and `paperline watch` run it: options and environment. */
export function localDepsOptions(opts: Pick<ProcessOptions, 'thresholds' | 'confidenceModel'>) {
  return {
    thresholdsPath: opts.thresholds,
    ...confidenceModelOption(opts.confidenceModel),
    limits: DEFAULT_INGEST_LIMITS,
    llm: llmConfigFromEnv(process.env),
    lineReader: lineReaderFromEnv(process.env),
    ocrLanguages: ocrLanguagesFromEnv(process.env),
  };
}

/** `<out>/pages/<document id>/<page>.png`: the pictures the evidence boxes of its record are in. */
async function writePageImages(out: string, id: string, images: (Buffer | null)[] = []): Promise<void> {
  const dir = join(out, 'pages', id);
  await mkdir(dir, { recursive: true });
  await Promise.all(images.map((png, i) => (png ? writeFile(join(dir, `${i + 1}.png`), png) : null)));
}

/** One row per input file: what became of it and, for review and failures, why. */
export function filesTable(s: RunSummary): string {
  const rows = s.files.map((f) => {
    const where =
      f.outcome === 'posted'
        ? `posted to ${f.department}`
        : f.outcome === 'duplicate'
          ? 'duplicate'
          : f.outcome === 'review'
            ? 'review'
            : 'failed';
    const why =
      f.outcome === 'review'
        ? (f.reasons ?? []).map((r) => r.message).join(' ')
        : f.outcome === 'failed'
          ? `${f.failure?.code}: ${f.failure?.message}`
          : f.outcome === 'duplicate'
            ? `same bytes as ${f.duplicateOf}`
            : (f.docType ?? '');
    return [f.sourceFile, where, f.output ?? '', why];
  });
  return formatTable(['file', 'outcome', 'written to', 'type or reasons'], rows);
}

export function summaryTable(s: RunSummary): string {
  const rows: (string | number)[][] = [
    ['documents', s.documents],
    ['pages', s.pages],
    ['  read from text layer', s.pagesBySource['text-layer']],
    ['  read by OCR', s.pagesBySource.ocr],
    ['posted to finance', s.posted.finance],
    ['posted to hr', s.posted.hr],
    ['posted to claims', s.posted.claims],
    ['sent to review', s.review],
    ['failed', s.failed],
    ['duplicates', s.duplicates.length],
    ['time (s)', Number(s.seconds.toFixed(1))],
    ['pages per minute', Number(s.pagesPerMinute.toFixed(1))],
  ];
  if (s.llm) {
    rows.push(
      [`LLM requests (${s.llm.model})`, s.llm.requests],
      ['  documents asked', s.llm.documents],
      ['  tokens in', s.llm.inputTokens],
      ['  tokens out', s.llm.outputTokens],
      ['  cost', money(s.llm.cost)],
      ['  cost per document', money(s.llm.costPerDocument)],
    );
  }
  return formatTable(['', 'count'], rows);
}

// Per-document LLM costs are fractions of a cent: four significant places show them.
function money(n: number): number {
  return n >= 1 ? Number(n.toFixed(2)) : Number(n.toPrecision(4));
}
