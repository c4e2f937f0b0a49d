/**
 * Reads every document of an evaluation folder through the real reader and caches each
 * ReadResult as JSON, so extractor changes can be scored in seconds instead of re-running OCR
 * (~4 s a receipt on 2 cores). Re-run it when preprocessing or OCR changes.
 *   tsx bench/dump-reads.ts [--dir ../shared/datasets/sroie-dev] [--out /tmp/sroie-reads]
 *                           [--size 2] [--only X0001,X5100] [--skip-existing]
 *                           [--psm 6] [--no-line-reader] [--without reread-weak,read-missed]
 *                           [--raw] [--images]
 * `--psm` overrides the page segmentation mode, to compare modes on the same documents;
 * `--no-line-reader` reads with Tesseract alone; `--without` leaves other stages of reading a
 * scan out (ReadOptions.without), to score what each stage is worth against its time.
 * `--raw` also keeps what the line reader saw, page by page, in OUT/raw/ID.json: with a
 * `--no-line-reader` dump of the same folder, bench/refuse-reads.ts replays the fusion of the
 * two engines in seconds.
 * `--images` also keeps each page as OCR saw it (preprocessed), in OUT/img/ID-N.png, the
 * pixels its boxes refer to, to measure what the boxes alone cannot tell.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readMetadata } from '../cli/eval.command.ts';
import type { ReaderLine } from '../pipeline/adapters/line-ocr.ts';
import { createOcrPool, type OcrPool, type PageSegMode } from '../pipeline/adapters/ocr.ts';
import { DEFAULT_INGEST_LIMITS, ingestFile } from '../pipeline/ingest.ts';
import { OPTIONAL_STAGES, readDocument } from '../pipeline/read.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: join(import.meta.dirname, '../../shared/datasets/sroie-dev') },
    out: { type: 'string', default: '/tmp/sroie-reads' },
    size: { type: 'string', default: String(availableParallelism()) },
    only: { type: 'string' },
    'skip-existing': { type: 'boolean', default: false },
    psm: { type: 'string' },
    'no-line-reader': { type: 'boolean', default: false },
    without: { type: 'string' },
    raw: { type: 'boolean', default: false },
    images: { type: 'boolean', default: false },
  },
});

const dir = resolve(values.dir);
const out = resolve(values.out);
await mkdir(join(out, values.raw ? 'raw' : ''), { recursive: true });
if (values.images) await mkdir(join(out, 'img'), { recursive: true });
const only = values.only?.split(',').filter(Boolean);
const without = (values.without?.split(',').filter(Boolean) ?? []).map((s) => {
  const stage = OPTIONAL_STAGES.find((o) => o === s);
  if (!stage) throw new Error(`--without: ${s} is not one of ${OPTIONAL_STAGES.join(', ')}`);
  return stage;
});
const files = (await readMetadata(dir))
  .map((m) => m.file_name)
  .filter((f) => !only || only.some((o) => f.startsWith(o)))
  .filter((f) => !values['skip-existing'] || !existsSync(join(out, `${stem(f)}.json`)));

function stem(fileName: string): string {
  return basename(fileName, extname(fileName));
}

const size = Math.max(1, Number(values.size));
const pool = createOcrPool({
  size,
  lineReader: !values['no-line-reader'],
  ...(values.psm ? { psm: values.psm as PageSegMode } : {}),
});
const started = performance.now();
let done = 0;
let failed = 0;
// One document per OCR worker, so the pool is busy without queueing pages behind each other.
const queue = [...files];
const lane = async () => {
  for (let f = queue.shift(); f; f = queue.shift()) {
    const t = performance.now();
    try {
      const ingested = await ingestFile(join(dir, f), DEFAULT_INGEST_LIMITS);
      if (!ingested.ok) throw new Error(ingested.failure.message);
      const seen: ReaderLine[][] = [];
      const ocr: OcrPool =
        values.raw && pool.readLines
          ? {
              ...pool,
              readLines: async (png) => {
                const lines = await pool.readLines!(png);
                seen.push(lines);
                return lines;
              },
            }
          : pool;
      const read = await readDocument(
        ingested.file,
        { ocr },
        // One page at a time with --raw, so the line reader's pages are kept in page order.
        {
          limits: DEFAULT_INGEST_LIMITS,
          ...(values.raw ? { concurrency: 1 } : {}),
          ...(values.images ? { renderTextLayerPages: true } : {}),
          ...(without.length ? { without } : {}),
        },
      );
      await writeFile(join(out, `${stem(f)}.json`), JSON.stringify({ pages: read.pages }));
      if (values.raw) await writeFile(join(out, 'raw', `${stem(f)}.json`), JSON.stringify(seen));
      if (values.images) {
        for (const [i, png] of read.pageImages.entries())
          if (png) await writeFile(join(out, 'img', `${stem(f)}-${i + 1}.png`), png);
      }
      done++;
      const s = ((performance.now() - t) / 1000).toFixed(1);
      process.stderr.write(`${done + failed}/${files.length} ${f} ${s}s\n`);
    } catch (e) {
      failed++;
      process.stderr.write(`${f} failed: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
};
try {
  await Promise.all(Array.from({ length: size }, lane));
} finally {
  await pool.close();
}
const wall = ((performance.now() - started) / 1000).toFixed(0);
process.stderr.write(`${done} read, ${failed} failed in ${wall}s; cached in ${out}\n`);
