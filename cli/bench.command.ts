import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalDeps } from '../pipeline/deps.ts';
import { DEFAULT_INGEST_LIMITS } from '../pipeline/ingest.ts';
import { runBatch } from '../pipeline/run-batch.ts';
import { generateBatch } from '../samples/generator/batch.ts';
import { lineReaderFromEnv, ocrLanguagesFromEnv } from '../schemas/env.ts';
import { createProgress } from './progress.ts';
import { formatTable } from './table.ts';

export interface BenchOptions {
  count?: string;
  seed?: string;
  concurrency?: string;
  json?: boolean;
}

/**
 * Speed and memory on generated documents, digital PDFs and scans measured apart because
 * they differ by an order of magnitude: one reads a text layer, the other runs OCR.
 */
export async function benchCommand(opts: BenchOptions): Promise<void> {
  const count = Number(opts.count ?? 48);
  const dir = await mkdtemp(join(tmpdir(), 'paperline-bench-'));
  try {
    process.stderr.write(`Generating ${count} sample documents (seed ${opts.seed ?? 7})...\n`);
    const lines = await generateBatch({ out: join(dir, 'docs'), count, seed: Number(opts.seed ?? 7) });
    const concurrency = Number(opts.concurrency ?? availableParallelism());
    const { deps, close } = await createLocalDeps({
      limits: DEFAULT_INGEST_LIMITS,
      lineReader: lineReaderFromEnv(process.env),
      ocrLanguages: ocrLanguagesFromEnv(process.env),
    });
    const rows: (string | number)[][] = [];
    const results: Record<string, unknown> = {};
    try {
      for (const kind of ['digital', 'scan'] as const) {
        const files = lines.filter((l) => l.kind === kind).map((l) => join(dir, 'docs', l.file_name));
        const progress = createProgress();
        const s = await runBatch(files, deps, {
          out: join(dir, `out-${kind}`),
          concurrency,
          limits: DEFAULT_INGEST_LIMITS,
          onEvent: progress.onEvent,
        });
        progress.stop();
        const perDoc = s.seconds / Math.max(1, files.length);
        rows.push([
          kind,
          files.length,
          s.pages,
          Number(s.seconds.toFixed(1)),
          Number(s.pagesPerMinute.toFixed(1)),
          Number(perDoc.toFixed(2)),
        ]);
        results[kind] = {
          documents: files.length,
          pages: s.pages,
          seconds: s.seconds,
          pagesPerMinute: s.pagesPerMinute,
        };
      }
    } finally {
      await close();
    }
    const rssMb = process.resourceUsage().maxRSS / 1024;
    results.maxRssMb = rssMb;
    results.concurrency = concurrency;
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(results)}\n`);
      return;
    }
    process.stdout.write(
      `\n${formatTable(['kind', 'documents', 'pages', 'seconds', 'pages/min', 's/doc'], rows)}\n\npeak memory ${rssMb.toFixed(0)} MB, concurrency ${concurrency}, ${availableParallelism()} cores\n`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
