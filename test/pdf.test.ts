import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { buildLongPdf } from '../bench/long-pdf.ts';
import { hasUsableTextLayer, openPdf } from '../pipeline/adapters/pdf.ts';
import { isPipelineError } from '../pipeline/errors.ts';
import type { Line } from '../schemas/read.ts';
import {
  A4,
  INVOICE_LINES,
  inkIn,
  invoiceScan,
  makeEncryptedPdf,
  makeScannedPdf,
  makeTextPdf,
} from './helpers/documents.ts';
import { EINVOICE_DIR } from './helpers/einvoice.ts';
import { tempDir } from './helpers/services.ts';

const DPI = 300;
const px = (pt: number) => (pt * DPI) / 72;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    expect(isPipelineError(e)).toBe(true);
    return isPipelineError(e) ? e.code : 'not a PipelineError';
  }
  return 'no error';
}

describe('text layer of a digital PDF', async () => {
  const bytes = await makeTextPdf([INVOICE_LINES]);
  const pdf = await openPdf(bytes);
  const layer = await pdf.readTextLayer(1, DPI);
  const image = await pdf.renderPage(1, DPI);
  await pdf.close();

  it('has every line, in order, with its words', () => {
    expect(layer.lines.map((l) => l.text)).toEqual(
      // The three amounts share rows with nothing else, so each placed line is one line.
      INVOICE_LINES.map((l) => l.text),
    );
    for (const line of layer.lines) {
      expect(line.words.map((w) => w.text).join(' ')).toBe(line.text);
      expect(line.confidence).toBe(1);
    }
  });

  it('gives the page size at the requested dpi, and renders it that size', async () => {
    expect(layer.width).toBe(Math.round(px(A4.width)));
    expect(layer.height).toBe(Math.round(px(A4.height)));
    const meta = await sharp(image).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', layer.width, layer.height]);
  });

  it('places lines where they were drawn (origin top-left, y flipped)', () => {
    INVOICE_LINES.forEach((placed, i) => {
      const line = layer.lines[i]!;
      expect(Math.abs(line.box.x0 - px(placed.x))).toBeLessThan(2);
      const baseline = px(A4.height - placed.y);
      // The box spans the baseline: capitals above it, descenders a little below.
      expect(line.box.y0).toBeLessThan(baseline - px(placed.size) * 0.6);
      expect(line.box.y1).toBeGreaterThan(baseline);
      expect(line.box.y1).toBeLessThan(baseline + px(placed.size) * 0.35);
    });
  });

  it('puts word boxes on the ink of their word and the gaps between them on paper', async () => {
    for (const line of layer.lines.slice(0, 9)) {
      for (const [i, word] of line.words.entries()) {
        expect(await inkIn(image, word.box), `ink in "${word.text}"`).toBeGreaterThan(0.08);
        const next = line.words[i + 1];
        if (!next) continue;
        // The middle of the gap between two words must be blank: the split landed on the space.
        const mid = (word.box.x1 + next.box.x0) / 2;
        const gap = { x0: mid - 2, x1: mid + 2, y0: line.box.y0, y1: line.box.y1 };
        expect(await inkIn(image, gap), `gap after "${word.text}"`).toBeLessThan(0.02);
      }
    }
  });

  it('is a usable text layer', () => {
    expect(hasUsableTextLayer(layer.lines)).toBe(true);
  });
});

describe('the spacing fixes on every page of a long PDF', async () => {
  const dir = await tempDir('paperline-pdf-test-');
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const texts = async (file: string) => {
    const pdf = await openPdf(new Uint8Array(await readFile(file)));
    try {
      const pages: string[] = [];
      for (let n = 1; n <= pdf.numPages; n++) {
        const layer = await pdf.readTextLayer(n, 72);
        pages.push(layer.lines.map((l) => l.words.map((w) => w.text).join(' ')).join('\n'));
      }
      return pages;
    } finally {
      await pdf.close();
    }
  };

  const fop = join(EINVOICE_DIR, 'symtrax_Beispiele_BASIC_zugferd_2p1_BASIC_Taxifahrt.pdf');
  it.skipIf(!existsSync(fop))(
    'keeps rejoining the words of a font whose letters the producer moves, to the last page',
    async () => {
      // Apache FOP moves every 'r' of this font by 0.110 em: its operator list is read on every page.
      const long = join(dir, 'fop.pdf');
      await buildLongPdf([fop], 9, long);
      const own = await texts(fop);
      expect(own[0]).toContain('10369 Berlin');
      expect(own[0]).toContain('Taxiunternehmen TX GmbH');
      const pages = await texts(long);
      expect(pages).toHaveLength(9);
      // The long PDF repeats the invoice's pages in order; each reads as it does in the invoice.
      for (const [i, page] of pages.entries()) expect(page).toBe(own[i % own.length]);
    },
  );

  it('reads the pages of a plain font alike once its later pages skip the operator list', async () => {
    const long = join(dir, 'plain.pdf');
    const one = join(dir, 'one.pdf');
    await writeFile(one, await makeTextPdf([INVOICE_LINES]));
    await buildLongPdf([one], 8, long);
    const pages = await texts(long);
    expect(pages[0]).toContain('Northwind');
    for (const page of pages) expect(page).toBe(pages[0]);
  });
});

describe('a page with /Rotate 90', () => {
  it('reports the turned page size and boxes that land on the turned ink', async () => {
    const bytes = await makeTextPdf([INVOICE_LINES.slice(0, 5)], { rotate: 90 });
    const pdf = await openPdf(bytes);
    try {
      const layer = await pdf.readTextLayer(1, 150);
      const image = await pdf.renderPage(1, 150);
      expect(layer.width).toBe(Math.round((A4.height * 150) / 72));
      expect(layer.height).toBe(Math.round((A4.width * 150) / 72));
      const meta = await sharp(image).metadata();
      expect([meta.width, meta.height]).toEqual([layer.width, layer.height]);
      // Turned text runs down the page: its boxes are tall and narrow.
      const first = layer.lines.flatMap((l) => l.words).find((w) => w.text === 'Northwind')!;
      expect(first.box.y1 - first.box.y0).toBeGreaterThan(first.box.x1 - first.box.x0);
      expect(await inkIn(image, first.box)).toBeGreaterThan(0.08);
    } finally {
      await pdf.close();
    }
  });
});

describe('hasUsableTextLayer', () => {
  const line = (text: string): Line => ({
    text,
    box: { x0: 0, y0: 0, x1: 10, y1: 10 },
    confidence: 1,
    words: [],
  });

  it('is false for a scanned page: no text layer at all', async () => {
    const scan = await makeScannedPdf([await invoiceScan(100)], 100);
    const pdf = await openPdf(scan);
    try {
      const layer = await pdf.readTextLayer(1, DPI);
      expect(layer.lines).toEqual([]);
      expect(hasUsableTextLayer(layer.lines)).toBe(false);
      // The page keeps the scan's physical size.
      expect(Math.abs(layer.width - 2480)).toBeLessThan(4);
    } finally {
      await pdf.close();
    }
  });

  it('is false for a page number and little else', () => {
    expect(hasUsableTextLayer([line('Page 1 of 3')])).toBe(false);
  });

  it('is false for glyph garbage from fonts without a Unicode map', () => {
    expect(hasUsableTextLayer([line('\uE001\uE002\uE003 \uE004\uE005 '.repeat(20))])).toBe(false);
    expect(hasUsableTextLayer([line('!"#$%&\'()*+,-./:;<=>?@[]^_`{|}~ a1'.repeat(4))])).toBe(false);
  });

  it('is true for a punctuation-heavy but real invoice line', () => {
    expect(hasUsableTextLayer([line('Total: $1,234.56 -- due 2024-04-13 (net 30) ref INV/0042')])).toBe(true);
  });
});

describe('PDFs that cannot be read', () => {
  it('reports a password-protected PDF as encrypted', async () => {
    const bytes = makeEncryptedPdf('Confidential salary review', 'secret');
    // The fixture is a real encrypted file: pdfjs reads it given the password.
    const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
    const doc = await pdfjs.getDocument({ data: new Uint8Array(bytes), password: 'secret', verbosity: 0 })
      .promise;
    const text = await (await doc.getPage(1)).getTextContent();
    expect(text.items.map((i) => ('str' in i ? i.str : ''))).toContain('Confidential salary review');
    await doc.destroy();

    expect(await codeOf(openPdf(bytes))).toBe('encrypted');
  });

  it('reports a PDF cut in half as truncated', async () => {
    const bytes = await makeTextPdf([INVOICE_LINES, INVOICE_LINES, INVOICE_LINES]);
    expect(await codeOf(openPdf(bytes.slice(0, Math.floor(bytes.length / 2))))).toBe('truncated');
  });

  it('reports a PDF with its tail cut off as truncated even though pdfjs could open the front', async () => {
    const bytes = await makeTextPdf([INVOICE_LINES, INVOICE_LINES, INVOICE_LINES]);
    expect(await codeOf(openPdf(bytes.slice(0, bytes.length - 400)))).toBe('truncated');
  });

  it('reports garbage between a PDF header and %%EOF as corrupt', async () => {
    const bytes = Buffer.from(`%PDF-1.7\n${'garbage '.repeat(200)}\n%%EOF\n`);
    expect(await codeOf(openPdf(bytes))).toBe('corrupt');
  });

  it('does not detach the caller’s bytes', async () => {
    const bytes = await makeTextPdf([INVOICE_LINES]);
    const length = bytes.length;
    const pdf = await openPdf(bytes);
    await pdf.close();
    await pdf.close();
    expect(bytes.length).toBe(length);
    expect(await codeOf(pdf.readTextLayer(1, DPI))).toBe('internal-error');
  });
});
