import { type ClassifiedType, DOC_TYPES } from '../../schemas/common.ts';
import type { LocaleId } from './locale.ts';
import type { Rng } from './prng.ts';
import type { ScanFormat, ScanSettings } from './scan.ts';
import type { Flaw } from './types.ts';

/** One document to make: what it is, how it reaches the inbox, and where it should land. */
export interface Slot {
  docType: ClassifiedType;
  kind: 'digital' | 'scan';
  /** File format; digital documents are always PDF. */
  format: ScanFormat;
  layout?: string;
  locale?: LocaleId;
  long?: boolean;
  flaw?: Flaw;
  degraded?: boolean;
  turn?: ScanSettings['turn'];
  /** Why the document should go to review; absent when it should post. */
  review?: string;
}

const digital = (docType: ClassifiedType, extra: Partial<Slot> = {}): Slot => ({
  docType,
  kind: 'digital',
  format: 'pdf',
  ...extra,
});
const scan = (docType: ClassifiedType, format: ScanFormat, extra: Partial<Slot> = {}): Slot => ({
  docType,
  kind: 'scan',
  format,
  ...extra,
});

/**
 * The first 24 documents of every batch. Fixed, so coverage never depends on the seed: all
 * six types as digital and scan, every file format, multi-page digital and scanned files, a
 * few pages turned sideways or upside down, and four documents that belong in review.
 */
export const COVERAGE_PLAN: readonly Slot[] = [
  digital('invoice', { layout: 'classic', locale: 'UK' }),
  digital('invoice', { layout: 'band', long: true, locale: 'IE' }),
  scan('invoice', 'jpeg', { layout: 'plain', locale: 'US' }),
  scan('invoice', 'pdf', { layout: 'classic', locale: 'DE' }),
  digital('invoice', {
    layout: 'band',
    locale: 'MY',
    flaw: 'total-mismatch',
    review: 'printed total is not subtotal + tax',
  }),
  scan('receipt', 'jpeg', { layout: 'till', locale: 'MY' }),
  scan('receipt', 'png', { layout: 'columns', locale: 'UK', turn: 270 }),
  digital('receipt', { layout: 'docket', locale: 'AU' }),
  scan('receipt', 'jpeg', {
    layout: 'till',
    locale: 'US',
    degraded: true,
    review: 'scan too degraded to read reliably',
  }),
  scan('receipt', 'webp', { layout: 'columns', locale: 'SG' }),
  digital('payslip', { layout: 'grid', locale: 'UK' }),
  scan('payslip', 'webp', { layout: 'ledger', locale: 'MY', turn: 90 }),
  digital('payslip', {
    layout: 'stub',
    locale: 'US',
    flaw: 'net-above-gross',
    review: 'net pay is above gross pay',
  }),
  scan('payslip', 'tiff', { layout: 'grid', locale: 'AU' }),
  digital('wage_statement', { layout: 'form' }),
  scan('wage_statement', 'png', { layout: 'twoUp' }),
  scan('wage_statement', 'jpeg', { layout: 'summary', turn: 180 }),
  digital('claim_form', { layout: 'itemised', locale: 'DE' }),
  scan('claim_form', 'tiff', { layout: 'sections', long: true, locale: 'UK' }),
  scan('claim_form', 'webp', { layout: 'lined', locale: 'CA' }),
  digital('medical_bill', { layout: 'statement', long: true, locale: 'US' }),
  scan('medical_bill', 'jpeg', { layout: 'clinic', locale: 'MY' }),
  scan('medical_bill', 'pdf', { layout: 'itemised', long: true, locale: 'AU' }),
  digital('unknown', { layout: 'letter', review: 'not a known document type' }),
];

const MULTI_PAGE_FORMATS: readonly ScanFormat[] = ['tiff', 'pdf'];
const ANY_FORMAT: readonly ScanFormat[] = ['jpeg', 'jpeg', 'png', 'webp', 'tiff', 'pdf'];
const LONG_TYPES: readonly ClassifiedType[] = ['invoice', 'medical_bill', 'claim_form'];

/** Documents after the coverage plan: drawn from the seed, with review cases kept rare. */
export function randomSlot(rng: Rng): Slot {
  const docType: ClassifiedType = rng.chance(0.05) ? 'unknown' : rng.pick(DOC_TYPES);
  const long = LONG_TYPES.includes(docType) && rng.chance(0.15);
  const kind = rng.chance(0.5) ? 'digital' : 'scan';
  const format: ScanFormat = kind === 'digital' ? 'pdf' : rng.pick(long ? MULTI_PAGE_FORMATS : ANY_FORMAT);
  const slot: Slot = { docType, kind, format, ...(long ? { long } : {}) };
  if (docType === 'unknown') slot.review = 'not a known document type';
  if (docType === 'invoice' && rng.chance(0.06)) {
    Object.assign(slot, { flaw: 'total-mismatch', review: 'printed total is not subtotal + tax' });
  }
  if (docType === 'payslip' && rng.chance(0.06)) {
    Object.assign(slot, { flaw: 'net-above-gross', review: 'net pay is above gross pay' });
  }
  if (kind === 'scan') {
    if (rng.chance(0.12)) slot.turn = rng.pick([90, 180, 270] as const);
    if (rng.chance(0.04))
      Object.assign(slot, { degraded: true, review: 'scan too degraded to read reliably' });
  }
  return slot;
}

export function planBatch(count: number, rng: Rng): Slot[] {
  const slots = COVERAGE_PLAN.slice(0, count);
  for (let i = slots.length; i < count; i++) slots.push(randomSlot(rng.fork(`slot:${i}`)));
  return slots;
}
