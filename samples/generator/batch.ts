import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ClassifiedType, DEPARTMENT_OF } from '../../schemas/common.ts';
import { DOCUMENT_SCHEMAS } from '../../schemas/documents.ts';
import { type MetadataLine, MetadataLineSchema } from '../../schemas/eval.ts';
import { claimFormGenerator } from './claim-form.ts';
import { invoiceGenerator } from './invoice.ts';
import { letterGenerator } from './letter.ts';
import { medicalBillGenerator } from './medical-bill.ts';
import { payslipGenerator } from './payslip.ts';
import { planBatch, type Slot } from './plan.ts';
import { Rng } from './prng.ts';
import { receiptGenerator } from './receipt.ts';
import { encodeScan, SCAN_EXTENSION, SINGLE_PAGE_FORMATS, scanPages, scanSettings } from './scan.ts';
import type { DocGenerator, Printed, RenderedDoc } from './types.ts';
import { wageStatementGenerator } from './wage-statement.ts';

export const GENERATORS: Record<ClassifiedType, DocGenerator> = {
  invoice: invoiceGenerator,
  receipt: receiptGenerator,
  payslip: payslipGenerator,
  wage_statement: wageStatementGenerator,
  claim_form: claimFormGenerator,
  medical_bill: medicalBillGenerator,
  unknown: letterGenerator,
};

export interface BatchOptions {
  /** Folder to write into; created if missing. Earlier generated files in it are replaced. */
  out: string;
  /** Number of documents; the first 24 follow the coverage plan. Default 24. */
  count?: number;
  /** PRNG seed; the same seed gives byte-identical files. Default 1. */
  seed?: number;
  /** Size budget per scanned file, bytes; lossy scans lower their quality to fit. Default 400 KB. */
  maxScanBytes?: number;
  /** Documents to make instead of the plan (tests use a few quick ones). */
  slots?: Slot[];
  /** Makes only the plan entries it accepts; the others keep their numbers, unwritten. */
  filter?: (slot: Slot, index: number) => boolean;
  /** Called after each file is written. */
  onFile?: (line: SampleLine, index: number, total: number) => void;
}

/** A metadata.jsonl line: the evaluation format plus what helps people read the sample. */
export type SampleLine = MetadataLine & {
  printed: Printed;
  layout: string;
  locale: string;
  reason?: string;
  scan?: { dpi: number; skewDegrees: number; turn: number; quality: number };
  sha256: string;
};

const GENERATED = /^doc-\d{3,}\.(pdf|jpg|png|tif|webp)$/;

export async function generateBatch(options: BatchOptions): Promise<SampleLine[]> {
  const count = options.count ?? 24;
  const root = new Rng(options.seed ?? 1);
  const slots = options.slots ?? planBatch(count, root.fork('plan'));
  await mkdir(options.out, { recursive: true });
  for (const name of await readdir(options.out)) {
    if (GENERATED.test(name) || name === 'metadata.jsonl') await rm(join(options.out, name));
  }
  const width = Math.max(3, String(slots.length).length);
  const lines: SampleLine[] = [];
  for (const [i, slot] of slots.entries()) {
    if (options.filter && !options.filter(slot, i)) continue;
    const rng = root.fork(`doc:${i}`);
    const doc = await GENERATORS[slot.docType].generate({
      rng: rng.fork('content'),
      ...(slot.layout ? { layout: slot.layout } : {}),
      ...(slot.locale ? { locale: slot.locale } : {}),
      ...(slot.long ? { long: true } : {}),
      ...(slot.flaw ? { flaw: slot.flaw } : {}),
    });
    const base = `doc-${String(i + 1).padStart(width, '0')}`;
    const file = await render(doc, slot, rng, options.maxScanBytes ?? 400_000);
    const fileName = `${base}.${file.ext}`;
    await writeFile(join(options.out, fileName), file.bytes);
    const line = metadataLine(fileName, doc, slot, file);
    lines.push(line);
    options.onFile?.(line, i, slots.length);
  }
  await writeFile(join(options.out, 'metadata.jsonl'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  return lines;
}

interface RenderedFile {
  bytes: Uint8Array;
  ext: string;
  pages: number;
  scan?: SampleLine['scan'];
}

async function render(doc: RenderedDoc, slot: Slot, rng: Rng, maxBytes: number): Promise<RenderedFile> {
  if (slot.kind === 'digital') return { bytes: doc.pdf, ext: 'pdf', pages: doc.pages };
  // A document that ran long cannot go into a one-page image format; scanners write TIFF.
  const format = doc.pages > 1 && SINGLE_PAGE_FORMATS.includes(slot.format) ? 'tiff' : slot.format;
  const settings = scanSettings(rng.fork('scan'), {
    ...(slot.degraded ? { degraded: true } : {}),
    ...(slot.turn ? { turn: slot.turn } : {}),
  });
  const pages = await scanPages(doc.pdf, settings, rng.fork('noise'));
  const encoded = await encodeScan(pages, format, settings, maxBytes);
  return {
    bytes: encoded.bytes,
    ext: SCAN_EXTENSION[format],
    pages: encoded.pages,
    scan: {
      dpi: settings.dpi,
      skewDegrees: Math.round(settings.skew * 100) / 100,
      turn: settings.turn,
      quality: encoded.quality,
    },
  };
}

/** Builds and checks one line: truth that does not match the schemas is a generator bug. */
function metadataLine(fileName: string, doc: RenderedDoc, slot: Slot, file: RenderedFile): SampleLine {
  if (doc.docType !== 'unknown') {
    const parsed = DOCUMENT_SCHEMAS[doc.docType].strict().safeParse(doc.fields);
    if (!parsed.success)
      throw new Error(`${fileName}: truth does not fit the ${doc.docType} schema: ${parsed.error}`);
  }
  const line: SampleLine = {
    file_name: fileName,
    docType: doc.docType,
    department: doc.docType === 'unknown' ? null : DEPARTMENT_OF[doc.docType],
    fields: doc.fields,
    expect: slot.review ? 'review' : 'posted',
    kind: slot.kind,
    pages: file.pages,
    printed: doc.printed,
    layout: doc.layout,
    locale: doc.locale,
    ...(slot.review ? { reason: slot.review } : {}),
    ...(file.scan ? { scan: file.scan } : {}),
    sha256: createHash('sha256').update(file.bytes).digest('hex'),
  };
  MetadataLineSchema.parse(line);
  return line;
}
