import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOcrPool, type OcrPool } from '../pipeline/adapters/ocr.ts';
import { isPipelineError } from '../pipeline/errors.ts';
import { type DocumentFormat, type IngestedFile, ingestFile } from '../pipeline/ingest.ts';
import { readDocument, renderPdfPageImage } from '../pipeline/read.ts';
import { sameReading } from '../pipeline/vendor-memory.ts';
import { PageReadSchema } from '../schemas/read.ts';
import {
  INVOICE_LINES,
  inkIn,
  invoiceScan,
  makeEncryptedPdf,
  makeScannedPdf,
  makeTextPdf,
  makeTiff,
} from './helpers/documents.ts';
import { SROIE_DIR } from './helpers/sroie.ts';

function asFile(bytes: Uint8Array, fileName: string, format: DocumentFormat): IngestedFile {
  return {
    path: fileName,
    fileName,
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    format,
    sizeBytes: bytes.length,
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    return isPipelineError(e) ? e.code : `not a PipelineError: ${e}`;
  }
  return 'no error';
}

let ocr: OcrPool;
beforeAll(() => {
  ocr = createOcrPool({ size: 2 });
});
afterAll(async () => {
  await ocr.close();
});

describe('readDocument on PDFs', () => {
  it('reads a digital page from its text layer at 300 dpi, leaving its image to be drawn on demand', async () => {
    const file = asFile(await makeTextPdf([INVOICE_LINES]), 'invoice.pdf', 'pdf');
    const seen: number[] = [];
    const result = await readDocument(file, { ocr }, { onPage: (p) => seen.push(p.number) });
    expect(seen).toEqual([1]);
    const [page] = result.pages;
    expect(PageReadSchema.parse(page)).toEqual(page);
    expect(page!.source).toBe('text-layer');
    expect(page!.preprocess).toBeNull();
    expect(page!.ocrConfidence).toBeNull();
    expect(page!.dpi).toBe(300);
    expect(page!.lines.map((l) => l.text)).toEqual(INVOICE_LINES.map((l) => l.text));
    expect(result.pageImages).toEqual([null]);
    const meta = await sharp(await renderPdfPageImage(file.bytes, 1, page!.dpi)).metadata();
    expect([meta.width, meta.height]).toEqual([page!.width, page!.height]);
  });

  it('OCRs the scanned page of a mixed PDF and keeps the digital one on its text layer', async () => {
    const digital = await makeTextPdf([INVOICE_LINES]);
    const scanned = await makeScannedPdf([await invoiceScan(200)], 200);
    const { PDFDocument } = await import('pdf-lib');
    const merged = await PDFDocument.create();
    for (const src of [digital, scanned]) {
      const doc = await PDFDocument.load(src);
      for (const p of await merged.copyPages(doc, doc.getPageIndices())) merged.addPage(p);
    }
    const file = asFile(await merged.save(), 'mixed.pdf', 'pdf');
    const seen: number[] = [];
    const result = await readDocument(file, { ocr }, { onPage: (p) => seen.push(p.number) });

    expect(seen).toEqual([1, 2]);
    expect(result.pages.map((p) => p.source)).toEqual(['text-layer', 'ocr']);
    const scan = result.pages[1]!;
    expect(PageReadSchema.parse(scan)).toEqual(scan);
    expect(scan.preprocess).not.toBeNull();
    expect(scan.ocrConfidence).toBeGreaterThan(0.75);
    expect(scan.dpi).toBeGreaterThanOrEqual(250);
    const words = scan.lines.flatMap((l) => l.words);
    const northwind = words.find((w) => w.text === 'Northwind');
    expect(northwind).toBeDefined();
    // Boxes refer to the page image handed back with the page.
    const meta = await sharp(result.pageImages[1]!).metadata();
    expect([meta.width, meta.height]).toEqual([scan.width, scan.height]);
    expect(await inkIn(result.pageImages[1]!, northwind!.box)).toBeGreaterThan(0.08);
    // Label and amount on one row come back as one line, as on the text layer.
    expect(scan.lines.map((l) => l.text)).toContain('Total due GBP 2,886.60');
  });

  it('refuses more pages than the limit, saying how many there are', async () => {
    const file = asFile(await makeTextPdf([INVOICE_LINES, INVOICE_LINES, INVOICE_LINES]), 'long.pdf', 'pdf');
    const error = await readDocument(file, { ocr }, { limits: { maxPages: 2 } }).catch((e) => e);
    expect(isPipelineError(error) && error.code).toBe('too-many-pages');
    expect(error.message).toBe('The document has 3 pages, more than the limit of 2 pages per document.');
    const one = await readDocument(file, { ocr }, { limits: { maxPages: 1 } }).catch((e) => e);
    expect(one.message).toBe('The document has 3 pages, more than the limit of 1 page per document.');
  });

  it('turns damaged and locked PDFs into coded errors', async () => {
    const whole = await makeTextPdf([INVOICE_LINES, INVOICE_LINES]);
    const cut = asFile(whole.slice(0, Math.floor(whole.length / 2)), 'cut.pdf', 'pdf');
    expect(await codeOf(readDocument(cut, { ocr }))).toBe('truncated');
    const locked = asFile(makeEncryptedPdf('Salary review', 'secret'), 'locked.pdf', 'pdf');
    expect(await codeOf(readDocument(locked, { ocr }))).toBe('encrypted');
  });
});

describe('readDocument on images', () => {
  it('reads each page of a multi-page TIFF, turning an upside-down page', async () => {
    const scan = await invoiceScan(150);
    const tiff = await makeTiff([scan, await sharp(scan).rotate(180).png().toBuffer()]);
    const result = await readDocument(asFile(tiff, 'batch.tif', 'tiff'), { ocr });
    expect(result.pages.map((p) => p.number)).toEqual([1, 2]);
    expect(result.pages.map((p) => p.source)).toEqual(['ocr', 'ocr']);
    expect(result.pages.map((p) => p.preprocess!.rotation)).toEqual([0, 180]);
    for (const page of result.pages) {
      expect(page.lines.map((l) => l.text).join('\n')).toMatch(/Northwind Traders/);
    }
    expect(result.pageImages).toHaveLength(2);
  });

  it('reads a real scanned receipt (SROIE X00016469612): its printed lines come out near their places', async () => {
    const outcome = await ingestFile(join(SROIE_DIR, 'X00016469612.jpg'), {});
    if (!outcome.ok) throw new Error(outcome.failure.message);
    const transcript = (await readFile(join(SROIE_DIR, 'ocr-lines/X00016469612.csv'), 'utf8'))
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => {
        const parts = l.split(',');
        const [x0, y0, , , x1, y1] = parts.slice(0, 8).map(Number) as number[];
        return { text: parts.slice(8).join(','), box: { x0: x0!, y0: y0!, x1: x1!, y1: y1! } };
      });

    const first = await readDocument(outcome.file, { ocr });
    const [page] = first.pages;
    expect(page!.source).toBe('ocr');
    const info = page!.preprocess!;
    expect(info.rotation).toBe(0);
    // A 463 px wide receipt is small print: it must have been enlarged for OCR.
    expect(info.scale).toBeGreaterThan(1.5);

    // Lines of the dataset's transcript; the scan is poor, so some others come out misspelt.
    const wanted = [
      'TAMAN DAYA,',
      'JOHOR.',
      'DOCUMENT NO',
      'CASH BILL',
      'MODELLING CLAY KIDDY FISH',
      'CHANGE',
      'THANK YOU',
      '81100 JOHOR BAHRU,',
    ];
    expect(wanted.every((w) => transcript.some((t) => t.text.includes(w)))).toBe(true);
    const found = wanted.filter((text) =>
      page!.lines.some((l) => l.text.toUpperCase().replace(/\s+/g, ' ').includes(text)),
    );
    expect(found.length, `found ${found.join(' | ')}`).toBeGreaterThanOrEqual(6);

    // Where OCR put "CASH BILL" matches where the dataset says it is, scaled to the page image.
    const truth = transcript.find((t) => t.text === 'CASH BILL')!;
    const words = page!.lines.flatMap((l) => l.words);
    const cash = words.find(
      (w, i) => w.text.toUpperCase() === 'CASH' && words[i + 1]?.text.toUpperCase() === 'BILL',
    );
    expect(cash).toBeDefined();
    const s = info.scale;
    expect(Math.abs(cash!.box.x0 - truth.box.x0 * s)).toBeLessThan(12 * s);
    expect(Math.abs(cash!.box.y0 - truth.box.y0 * s)).toBeLessThan(12 * s);

    // The top lines, where a receipt names its shop, were each read again alone; only those.
    const texty = page!.lines.filter((l) => /[\p{L}\p{N}]/u.test(l.text));
    const looked = texty.slice(0, 8);
    expect(looked.every((l) => typeof l.alone === 'string')).toBe(true);
    expect(texty.slice(8).every((l) => l.alone === undefined)).toBe(true);
    // The same print read twice mostly says the same; a crop in the wrong place would not.
    const same = looked.filter((l) => sameReading(l.text, l.alone!));
    expect(same.length, looked.map((l) => `${l.text} | ${l.alone}`).join('\n')).toBeGreaterThanOrEqual(4);
    const bare = await readDocument(outcome.file, { ocr }, { without: ['second-look'] });
    expect(bare.pages[0]!.lines.every((l) => l.alone === undefined)).toBe(true);

    // The same file read again gives the same result.
    const again = await readDocument(outcome.file, { ocr });
    expect(again.pages).toEqual(first.pages);
    expect(again.pageImages[0]!.equals(first.pageImages[0]!)).toBe(true);
  });

  it('turns undecodable and oversized images into coded errors', async () => {
    const jpeg = await sharp(await invoiceScan(100))
      .jpeg()
      .toBuffer();
    const cut = asFile(jpeg.subarray(0, jpeg.length / 2), 'cut.jpg', 'jpeg');
    expect(await codeOf(readDocument(cut, { ocr }))).toBe('truncated');
    const garbage = asFile(Buffer.concat([jpeg.subarray(0, 3), Buffer.alloc(500, 7)]), 'bad.jpg', 'jpeg');
    expect(['corrupt', 'truncated']).toContain(await codeOf(readDocument(garbage, { ocr })));
    const big = asFile(jpeg, 'big.jpg', 'jpeg');
    expect(await codeOf(readDocument(big, { ocr }, { limits: { maxPixels: 100_000 } }))).toBe(
      'too-many-pixels',
    );
  });
});
