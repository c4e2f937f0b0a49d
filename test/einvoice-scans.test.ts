import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeScans, scanPage } from '../bench/einvoice-scans.ts';
import { openPdf } from '../pipeline/adapters/pdf.ts';
import { EINVOICE_DIR } from './helpers/einvoice.ts';

/** One page, small: the render is most of the test's time. */
const PDF = 'FNFE-factur-x-examples_Facture_FR_MINIMUM.pdf';
const JPG = 'FNFE-factur-x-examples_Facture_FR_MINIMUM.jpg';
/** Not the default, so a passing dpi check proves the option reaches the JPEG header. */
const DPI = 150;
const SEED = 17;
const present = existsSync(join(EINVOICE_DIR, PDF));

describe.skipIf(!present)(`einvoice-scans (needs ${join(EINVOICE_DIR, PDF)})`, () => {
  let dir: string;
  let first: Awaited<ReturnType<typeof makeScans>>;
  const quiet = () => {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paperline-einvoice-scans-'));
    const dataset = join(dir, 'einvoice');
    await mkdir(dataset);
    await copyFile(join(EINVOICE_DIR, PDF), join(dataset, PDF));
    // Hand-made rather than copied from the dataset, whose metadata.jsonl may not exist yet.
    const line = {
      file_name: PDF,
      docType: 'invoice',
      department: 'finance',
      fields: { invoiceNumber: 'FA-2017-0010', total: '671.15' },
      kind: 'digital',
      pages: 1,
    };
    await writeFile(
      join(dataset, 'metadata.jsonl'),
      `${JSON.stringify(line)}\n${JSON.stringify({ file_name: 'notes.txt', docType: 'invoice', fields: {} })}\n`,
    );
    first = await makeScans({ dataset, out: join(dir, 'a'), dpi: DPI, seed: SEED, log: quiet });
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes a greyscale JPEG with the requested dpi and a scan metadata line', async () => {
    expect(first.written).toEqual([JPG]);
    expect(first.skipped).toEqual(['notes.txt']);
    expect(first.failed).toEqual([]);
    const meta = await sharp(join(dir, 'a', JPG)).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.channels).toBe(1);
    expect(meta.space).toBe('b-w');
    expect(meta.density).toBe(DPI);

    const lines = (await readFile(join(dir, 'a', 'metadata.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({
      file_name: JPG,
      docType: 'invoice',
      department: 'finance',
      fields: { invoiceNumber: 'FA-2017-0010', total: '671.15' },
      kind: 'scan',
      pages: 1,
      scan: { source: PDF, sourcePages: 1, dpi: DPI, seed: SEED },
    });
    expect(Math.abs(line.scan.angle)).toBeGreaterThanOrEqual(0.5);
    expect(Math.abs(line.scan.angle)).toBeLessThanOrEqual(3);
    expect(await readFile(join(dir, 'a', 'SOURCE.md'), 'utf8')).toContain(
      `bench/einvoice-scans.ts --dataset ${join(dir, 'einvoice')}`,
    );
  });

  it('is rotated: the canvas grows to hold the turned page', async () => {
    const pdf = await openPdf(new Uint8Array(await readFile(join(EINVOICE_DIR, PDF))));
    const plain = await sharp(await pdf.renderPage(1, DPI)).metadata();
    await pdf.close();
    const scan = await sharp(join(dir, 'a', JPG)).metadata();
    const { angle } = JSON.parse(await readFile(join(dir, 'a', 'metadata.jsonl'), 'utf8')).scan;
    const rad = (Math.abs(angle) * Math.PI) / 180;
    expect(scan.width).toBeGreaterThan(plain.width);
    expect(scan.height).toBeGreaterThan(plain.height);
    // The bounding box of a page turned by `angle`, give or take sharp's rounding.
    expect(scan.width).toBeCloseTo(plain.width * Math.cos(rad) + plain.height * Math.sin(rad), -1);
    expect(scan.height).toBeCloseTo(plain.width * Math.sin(rad) + plain.height * Math.cos(rad), -1);
  });

  it('gives identical bytes for the same seed, and different ones for another seed', async () => {
    const again = await makeScans({
      dataset: join(dir, 'einvoice'),
      out: join(dir, 'b'),
      dpi: DPI,
      seed: SEED,
      log: quiet,
    });
    expect(again.written).toEqual([JPG]);
    const a = await readFile(join(dir, 'a', JPG));
    expect((await readFile(join(dir, 'b', JPG))).equals(a)).toBe(true);
    expect(await readFile(join(dir, 'b', 'metadata.jsonl'), 'utf8')).toBe(
      await readFile(join(dir, 'a', 'metadata.jsonl'), 'utf8'),
    );

    const pdf = await openPdf(new Uint8Array(await readFile(join(EINVOICE_DIR, PDF))));
    const png = await pdf.renderPage(1, DPI);
    await pdf.close();
    const other = await scanPage(png, { dpi: DPI, seed: SEED + 1, key: PDF });
    expect(other.jpeg.equals(a)).toBe(false);
  });
});

const TWO_PAGES = 'XML-Rechnung_FX_EN16931_Einfach.pdf';

describe.skipIf(!existsSync(join(EINVOICE_DIR, TWO_PAGES)))('einvoice-scans of a multi-page invoice', () => {
  it('scans every page into an image-only PDF, so the totals on the last page are on the scan', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paperline-einvoice-scans-'));
    try {
      const dataset = join(dir, 'einvoice');
      await mkdir(dataset);
      await copyFile(join(EINVOICE_DIR, TWO_PAGES), join(dataset, TWO_PAGES));
      const line = {
        file_name: TWO_PAGES,
        docType: 'invoice',
        fields: { total: '529.87' },
        kind: 'digital',
        pages: 2,
      };
      await writeFile(join(dataset, 'metadata.jsonl'), `${JSON.stringify(line)}\n`);
      const made = await makeScans({ dataset, out: join(dir, 'a'), dpi: 100, seed: SEED, log: () => {} });
      const name = TWO_PAGES;
      expect(made.written).toEqual([name]);
      const again = await makeScans({ dataset, out: join(dir, 'b'), dpi: 100, seed: SEED, log: () => {} });
      expect(again.written).toEqual([name]);
      const bytes = await readFile(join(dir, 'a', name));
      expect((await readFile(join(dir, 'b', name))).equals(bytes)).toBe(true);

      const pdf = await openPdf(new Uint8Array(bytes));
      try {
        expect(pdf.numPages).toBe(2);
        // Image only: no text layer for the pipeline to take a shortcut through.
        for (const n of [1, 2]) expect((await pdf.readTextLayer(n, 100)).lines).toEqual([]);
      } finally {
        await pdf.close();
      }
      const meta = JSON.parse((await readFile(join(dir, 'a', 'metadata.jsonl'), 'utf8')).trim());
      expect(meta).toMatchObject({ file_name: name, kind: 'scan', pages: 2, scan: { sourcePages: 2 } });
      expect(meta.scanPages).toHaveLength(2);
      // Each page drew its own skew: the second page is not a copy of the first.
      expect(meta.scanPages[0]).not.toEqual(meta.scanPages[1]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
