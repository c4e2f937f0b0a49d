import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATORS, generateBatch, type SampleLine } from '../samples/generator/batch.ts';
import type { Slot } from '../samples/generator/plan.ts';
import { Rng } from '../samples/generator/prng.ts';
import { pdfText, pdfTextRuns, type TextRun } from '../samples/generator/raster.ts';
import type { Printed, RenderedDoc } from '../samples/generator/types.ts';
import { DOC_TYPES, type DocType } from '../schemas/common.ts';
import { DOCUMENT_SCHEMAS } from '../schemas/documents.ts';
import { MetadataLineSchema } from '../schemas/eval.ts';

const INBOX = join(import.meta.dirname, '..', 'samples', 'inbox');
const temps: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'paperline-samples-'));
  temps.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

async function readMetadata(dir: string): Promise<SampleLine[]> {
  const text = await readFile(join(dir, 'metadata.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as SampleLine);
}

async function hashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    out[name] = createHash('sha256')
      .update(await readFile(join(dir, name)))
      .digest('hex');
  }
  return out;
}

const collapse = (s: string) => s.replace(/\s+/g, ' ').trim();
const cents = (s: unknown) => Math.round(Number(s) * 100);
const sumOf = (items: unknown) => (items as { amount: string }[]).reduce((a, i) => a + cents(i.amount), 0);

function missingFromText(printed: Printed, text: string): string[] {
  const flat = collapse(text);
  return Object.entries(printed).flatMap(([field, value]) =>
    (Array.isArray(value) ? value : [value])
      .filter((v) => !flat.includes(collapse(v)))
      .map((v) => `${field}: ${v}`),
  );
}

function checkTruth(docType: DocType, fields: Record<string, unknown>): void {
  const parsed = DOCUMENT_SCHEMAS[docType].strict().safeParse(fields);
  expect(parsed.success, parsed.success ? '' : String(parsed.error)).toBe(true);
}

/** Pairs of text runs that print over each other: a layout bug a reader would notice. */
function overlaps(pages: TextRun[][]): string[] {
  const found: string[] = [];
  for (const runs of pages) {
    for (const [i, a] of runs.entries()) {
      for (const b of runs.slice(i + 1)) {
        const x = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
        const y = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
        if (x > 1 && y > 1) found.push(`"${a.text}" / "${b.text}"`);
      }
    }
  }
  return found;
}

/** The page's own arithmetic holds, except where a flaw was put in on purpose. */
function checkArithmetic(doc: RenderedDoc, flawed: boolean): void {
  const f = doc.fields;
  const items = f.lineItems as { quantity?: string; unitPrice?: string; amount: string }[] | undefined;
  for (const item of items ?? []) {
    if (item.quantity && item.unitPrice) {
      expect(Math.round(Number(item.quantity) * cents(item.unitPrice))).toBe(cents(item.amount));
    }
  }
  switch (doc.docType) {
    case 'invoice':
      expect(sumOf(items)).toBe(cents(f.subtotal));
      if (!flawed) expect(cents(f.subtotal) + cents(f.taxAmount)).toBe(cents(f.total));
      else expect(cents(f.subtotal) + cents(f.taxAmount)).not.toBe(cents(f.total));
      break;
    case 'receipt':
      if (f.subtotal !== undefined) {
        expect(sumOf(items)).toBe(cents(f.subtotal));
        expect(cents(f.subtotal) + cents(f.taxAmount)).toBe(cents(f.total));
      } else {
        expect(sumOf(items)).toBe(cents(f.total));
      }
      break;
    case 'payslip':
      if (f.totalDeductions !== undefined && !flawed) {
        expect(cents(f.grossPay) - cents(f.totalDeductions)).toBe(cents(f.netPay));
      }
      if (flawed) expect(cents(f.netPay)).toBeGreaterThan(cents(f.grossPay));
      else expect(cents(f.netPay)).toBeLessThan(cents(f.grossPay));
      break;
    case 'medical_bill':
      expect(sumOf(items)).toBe(cents(f.totalCharges));
      expect(cents(f.totalCharges) - cents(f.insurancePaid ?? 0)).toBe(cents(f.amountDue));
      break;
    case 'wage_statement':
      expect(cents(f.socialSecurityTax)).toBe(Math.round(cents(f.socialSecurityWages) * 0.062));
      expect(cents(f.wages)).toBeLessThanOrEqual(cents(f.medicareWages));
      break;
    default:
      break;
  }
}

const isSectionedClaim = (docType: string, layout: string) =>
  docType === 'claim_form' && layout === 'sections';

describe('every layout of every generator', () => {
  const cases = Object.values(GENERATORS).flatMap((g) =>
    g.layouts.flatMap((layout) => [1, 2, 3].map((seed) => ({ g, layout, seed }))),
  );

  it('yields truth that fits the schemas, adds up, and is on the page', async () => {
    for (const { g, layout, seed } of cases) {
      // Only the sectioned claim form has a second page to spill onto.
      const long =
        seed === 3 &&
        (['invoice', 'medical_bill'].includes(g.docType) || isSectionedClaim(g.docType, layout));
      const flaw =
        seed === 2 && g.docType === 'invoice'
          ? 'total-mismatch'
          : seed === 2 && g.docType === 'payslip'
            ? 'net-above-gross'
            : undefined;
      const doc = await g.generate({
        rng: new Rng(1000 * seed + layout.length),
        layout,
        ...(long ? { long } : {}),
        ...(flaw ? { flaw } : {}),
      });
      const label = `${doc.layout} seed ${seed}`;
      if (doc.docType !== 'unknown') checkTruth(doc.docType, doc.fields);
      checkArithmetic(doc, flaw !== undefined);
      const runs = await pdfTextRuns(doc.pdf);
      const text = runs.flatMap((page) => page.map((r) => r.text)).join(' ');
      expect(missingFromText(doc.printed, text), label).toEqual([]);
      expect(overlaps(runs), label).toEqual([]);
      expect((await PDFDocument.load(doc.pdf)).getPageCount(), label).toBe(doc.pages);
      if (long) expect(doc.pages, label).toBeGreaterThan(1);
    }
  });

  it('uses at least three layouts per document type', () => {
    for (const type of DOC_TYPES) expect(GENERATORS[type].layouts.length).toBeGreaterThanOrEqual(3);
  });
});

describe('generation is deterministic', () => {
  // Receipts are small pages, so every encoder runs in a few seconds.
  const slots: Slot[] = [
    { docType: 'invoice', kind: 'digital', format: 'pdf', long: true },
    { docType: 'receipt', kind: 'scan', format: 'jpeg' },
    { docType: 'receipt', kind: 'scan', format: 'png', turn: 90 },
    { docType: 'receipt', kind: 'scan', format: 'webp' },
    { docType: 'receipt', kind: 'scan', format: 'tiff' },
    { docType: 'receipt', kind: 'scan', format: 'pdf', degraded: true, review: 'degraded' },
  ];

  it('gives byte-identical files for the same seed', async () => {
    const [a, b] = [await tempDir(), await tempDir()];
    await generateBatch({ out: a, seed: 42, slots });
    await generateBatch({ out: b, seed: 42, slots });
    const [ha, hb] = [await hashes(a), await hashes(b)];
    expect(Object.keys(ha)).toHaveLength(slots.length + 1);
    expect(ha).toEqual(hb);
  });
});

describe('the committed inbox', () => {
  let lines: SampleLine[] = [];
  beforeAll(async () => {
    lines = await readMetadata(INBOX);
  });

  it('has valid metadata and truth for every file, and nothing else', async () => {
    const names = (await readdir(INBOX)).filter((n) => n !== 'metadata.jsonl').sort();
    expect(lines.map((l) => l.file_name).sort()).toEqual(names);
    for (const line of lines) {
      expect(() => MetadataLineSchema.parse(line), line.file_name).not.toThrow();
      if (line.docType !== 'unknown') checkTruth(line.docType, line.fields);
      else expect(line.department).toBeNull();
      const bytes = await readFile(join(INBOX, line.file_name));
      expect(createHash('sha256').update(bytes).digest('hex'), line.file_name).toBe(line.sha256);
    }
  });

  it('covers every type, kind, format and review case', async () => {
    expect(lines.length).toBeGreaterThanOrEqual(20);
    for (const type of DOC_TYPES) {
      const kinds = new Set(lines.filter((l) => l.docType === type).map((l) => l.kind));
      expect([...kinds].sort(), type).toEqual(['digital', 'scan']);
    }
    const exts = new Set(lines.map((l) => extname(l.file_name)));
    for (const ext of ['.pdf', '.png', '.jpg', '.tif', '.webp']) expect(exts.has(ext), ext).toBe(true);
    expect(lines.some((l) => l.kind === 'digital' && (l.pages ?? 1) > 1)).toBe(true);
    expect(
      lines.some((l) => l.kind === 'scan' && (l.pages ?? 1) > 1 && /\.(tif|pdf)$/.test(l.file_name)),
    ).toBe(true);
    expect(lines.some((l) => l.kind === 'scan' && l.file_name.endsWith('.pdf'))).toBe(true);
    const review = lines.filter((l) => l.expect === 'review');
    expect(review.length).toBeGreaterThanOrEqual(2);
    expect(review.length).toBeLessThanOrEqual(4);
    expect(review.every((l) => l.reason)).toBe(true);
    const turned = lines.filter((l) => (l.scan?.turn ?? 0) !== 0).length;
    expect(turned).toBeGreaterThan(0);
    expect(turned).toBeLessThan(lines.filter((l) => l.kind === 'scan').length / 2);
  });

  it('stays small', async () => {
    let total = 0;
    for (const line of lines) {
      const { size } = await stat(join(INBOX, line.file_name));
      total += size;
      if (line.kind === 'scan') expect(size, line.file_name).toBeLessThan(420_000);
    }
    expect(total).toBeLessThan(5_000_000);
  });

  it('has scans that state their resolution and page count, and no text layer', async () => {
    for (const line of lines.filter((l) => l.kind === 'scan')) {
      const bytes = await readFile(join(INBOX, line.file_name));
      if (line.file_name.endsWith('.pdf')) {
        const text = await pdfText(new Uint8Array(bytes));
        expect(text.join(''), line.file_name).toBe('');
        expect(text).toHaveLength(line.pages ?? 1);
        continue;
      }
      const meta = await sharp(bytes).metadata();
      if (line.file_name.endsWith('.webp')) {
        // WebP has no density field; the EXIF block carries XResolution.
        expect(meta.exif, line.file_name).toBeDefined();
      } else {
        expect(meta.density, line.file_name).toBe(line.scan?.dpi);
      }
      expect(meta.pages ?? 1, line.file_name).toBe(line.pages);
    }
  });

  it('has digital PDFs whose text layer shows the truth values as printed', async () => {
    for (const line of lines.filter((l) => l.kind === 'digital')) {
      const text = await pdfText(new Uint8Array(await readFile(join(INBOX, line.file_name))));
      expect(text, line.file_name).toHaveLength(line.pages ?? 1);
      expect(missingFromText(line.printed, text.join(' ')), line.file_name).toEqual([]);
    }
  });

  it('matches what the generator makes today (digital files, which are platform-independent)', async () => {
    const dir = await tempDir();
    await generateBatch({
      out: dir,
      count: lines.length,
      seed: 1,
      filter: (slot) => slot.kind === 'digital',
    });
    const fresh = await readMetadata(dir);
    expect(fresh.length).toBeGreaterThan(0);
    for (const line of fresh) {
      const committed = lines.find((l) => l.file_name === line.file_name);
      expect(
        committed?.sha256,
        `${line.file_name}: regenerate with npm run samples -- --out samples/inbox --preset inbox`,
      ).toBe(line.sha256);
      expect(committed?.fields).toEqual(line.fields);
    }
  });
});
