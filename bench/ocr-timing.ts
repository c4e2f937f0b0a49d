/**
 * Time per page for the OCR path on this machine, one worker, one page at a time:
 *   tsx bench/ocr-timing.ts
 * Pages: a 300 dpi A4 invoice (rendered from a generated PDF, then treated as a scan) and two
 * SROIE receipts, each with the upscale on and off.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadImagePage, preprocess } from '../pipeline/adapters/image.ts';
import { createOcrPool } from '../pipeline/adapters/ocr.ts';
import { openPdf } from '../pipeline/adapters/pdf.ts';
import { INVOICE_LINES, makeTextPdf } from '../test/helpers/documents.ts';

const SROIE = join(import.meta.dirname, '../../shared/datasets/sroie-dev');
const pool = createOcrPool({ size: 1 });

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, (performance.now() - t) / 1000];
}

const pdf = await openPdf(await makeTextPdf([INVOICE_LINES]));
const [a4, renderS] = await time(() => pdf.renderPage(1, 300));
await pdf.close();
const receipts = await Promise.all(
  ['X00016469612.jpg', 'X51005268472.jpg'].map(async (f) => ({
    name: f,
    ...(await loadImagePage(await readFile(join(SROIE, f)))),
  })),
);
// Warm both workers up so start-up is not counted.
await pool.recognize(a4);
await pool.detectOrientation(a4);

console.log(`render A4 at 300 dpi: ${renderS.toFixed(2)} s`);
const pages = [{ name: 'A4 invoice, 300 dpi', png: a4, dpi: 300 as number | null }, ...receipts];
for (const page of pages) {
  const [, osdS] = await time(() => pool.detectOrientation(page.png));
  for (const upscale of [true, false]) {
    const [pre, preS] = await time(() =>
      preprocess(page.png, {
        dpi: page.dpi,
        osd: (png) => pool.detectOrientation(png),
        readability: async (png) => (await pool.recognize(png)).confidence,
        ...(upscale ? {} : { skip: ['upscale'] as const }),
      }),
    );
    const [result, ocrS] = await time(() => pool.recognize(pre.png));
    console.log(
      `${page.name} ${upscale ? 'upscale' : 'no upscale'}: ${pre.width}x${pre.height} (scale ${pre.info.scale}), ` +
        `preprocess ${preS.toFixed(2)} s (OSD alone ${osdS.toFixed(2)} s), recognize ${ocrS.toFixed(2)} s, ` +
        `confidence ${result.confidence.toFixed(2)}`,
    );
  }
}
await pool.close();
