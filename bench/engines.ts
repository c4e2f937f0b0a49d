import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { loadImagePage } from '../pipeline/adapters/image.ts';
import { DEFAULT_PSM } from '../pipeline/adapters/ocr.ts';
import { ingestFile } from '../pipeline/ingest.ts';
import { countPages, PDF_RENDER_DPI, renderPdfPageImage } from '../pipeline/read.ts';

/**
 * The engines Paperline is built on, run bare on the same pages: native tesseract doing OCR
 * alone on scans, pdftotext doing text extraction alone on digital PDFs. They set the speed
 * the pipeline's own rate is judged against.
 */

export interface EngineRun {
  pages: number;
  seconds: number;
  pagesPerMinute: number;
  processes: number;
}

/** Whether a command is on PATH (the CI image may lack tesseract-ocr and poppler-utils). */
export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

export function perMinute(pages: number, seconds: number): number {
  return seconds > 0 ? (pages * 60) / seconds : 0;
}

export interface PagePng {
  path: string;
  dpi: number | null;
}

/**
 * Writes every page of the given scans as the PNG Paperline starts from, so the engine reads
 * the same pixels the pipeline does: an image page decoded and EXIF-turned (loadImagePage), a
 * scanned PDF's page drawn at the dpi the pipeline draws it at, both before preprocessing.
 */
export async function rasteriseScans(files: string[], dir: string): Promise<PagePng[]> {
  await mkdir(dir, { recursive: true });
  const out: PagePng[] = [];
  for (const [i, path] of files.entries()) {
    const ingested = await ingestFile(path);
    if (!ingested.ok) continue;
    const file = ingested.file;
    const count = await countPages(file);
    for (let p = 0; p < count; p++) {
      const page =
        file.format === 'pdf'
          ? { png: await renderPdfPageImage(file.bytes, p + 1, PDF_RENDER_DPI), dpi: PDF_RENDER_DPI }
          : await loadImagePage(file.bytes, p);
      const png = join(dir, `${String(i).padStart(4, '0')}-${p + 1}.png`);
      await writeFile(png, page.png);
      out.push({ path: png, dpi: page.dpi });
    }
  }
  return out;
}

/**
 * The folder of the English model Paperline's tesseract.js reads with (best_int, LSTM), unzipped
 * for the native binary: both engines then run the same model, so the ratio is about the code
 * around it, not the model.
 */
export async function paperlineTessdata(dir: string): Promise<string> {
  const require = createRequire(import.meta.url);
  const source = join(
    dirname(require.resolve('@tesseract.js-data/eng/package.json')),
    '4.0.0_best_int',
    'eng.traineddata.gz',
  );
  await mkdir(dir, { recursive: true });
  await pipeline(createReadStream(source), createGunzip(), createWriteStream(join(dir, 'eng.traineddata')));
  return dir;
}

/** Runs the commands with at most `parallel` at once; rejects on the first non-zero exit. */
export async function runAll(
  commands: { cmd: string; args: string[] }[],
  parallel: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < commands.length) {
      const { cmd, args } = commands[next++]!;
      await new Promise<void>((resolve, reject) => {
        const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        child.on('error', reject);
        child.on('close', (code) =>
          code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`)),
        );
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, lane));
  return (performance.now() - t0) / 1000;
}

/**
 * Native tesseract over the page PNGs, one single-threaded process per core (OpenMP threads
 * on two cores make it ~7x slower, DESIGN.md), with Paperline's model and page segmentation.
 */
export async function tesseractRun(pages: PagePng[], tessdata: string, parallel: number): Promise<EngineRun> {
  const commands = pages.map((p) => ({
    cmd: 'tesseract',
    args: [
      p.path,
      'stdout',
      '--tessdata-dir',
      tessdata,
      '--oem',
      '1',
      '--psm',
      DEFAULT_PSM,
      ...(p.dpi ? ['--dpi', String(p.dpi)] : []),
      'tsv',
    ],
  }));
  const seconds = await runAll(commands, parallel, { ...process.env, OMP_THREAD_LIMIT: '1' });
  return {
    pages: pages.length,
    seconds,
    pagesPerMinute: perMinute(pages.length, seconds),
    processes: parallel,
  };
}

/** `pdftotext -bbox` over the PDFs, one process per core; `pages` is their total page count. */
export async function pdftotextRun(pdfs: string[], pages: number, parallel: number): Promise<EngineRun> {
  const commands = pdfs.map((f) => ({ cmd: 'pdftotext', args: ['-bbox', f, '-'] }));
  const seconds = await runAll(commands, parallel);
  return { pages, seconds, pagesPerMinute: perMinute(pages, seconds), processes: parallel };
}
