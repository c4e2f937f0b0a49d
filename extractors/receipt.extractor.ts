import type { DocType, ExtractedField, ExtractedFields } from '../schemas/common.ts';
import type { ReadResult } from '../schemas/read.ts';
import {
  amountCandidates,
  corroborateSum,
  findDateField,
  nearestTo,
  put,
  putField,
  repairDollarSign,
} from './common-fields.ts';
import { analyse, currencyField, type ExtractContext } from './context.ts';
import type { Extractor } from './extractor.ts';
import { findLineItems, type LineItems } from './line-items.ts';
import { toCents } from './parse/amount.ts';
import { findParty } from './party.ts';
import { findTotal, summaryRow } from './totals.ts';

export const RECEIPT_LABELS = {
  date: [
    'date',
    'transaction date',
    'trans date',
    'txn date',
    'bill date',
    'inv date',
    'invoice date',
    'tarikh',
  ],
  dateExclude: ['due date', 'print date', 'expiry date', 'exp date', 'valid until', 'date of birth'],
  subtotal: [
    'subtotal',
    'sub total',
    'sub-total',
    'total before tax',
    'total excl gst',
    'total excluding gst',
  ],
  tax: [
    'total tax',
    'tax total',
    'total gst',
    'gst amount',
    'gst payable',
    'sales tax',
    'vat',
    'tax',
    'gst',
    'hst',
    'gst/hst',
    'pst',
    'qst',
    'sst',
    'service tax',
  ],
  taxExclude: [
    'incl gst',
    'inclusive of gst',
    'includes gst',
    'excl gst',
    'excluding gst',
    'tax invoice',
    'gst id',
    'gst no',
    'gst reg',
    'tax code',
    'gst summary',
    'tax summary',
    'vat reg',
    'vat no',
    'tax id',
  ],
};

/**
 * Line items that add up to the subtotal (the total when there is none; within cash rounding),
 * with their confidence raised to that figure's: the sum confirms every amount. It says
 * nothing of the descriptions, so the raise stops at how well they were read. On scanned till
 * rolls items are where OCR merges columns and splits names; items that do not add up, or
 * whose descriptions hold a word OCR was unsure of, are left out (null) rather than posted
 * or sent to review for a field a receipt's reader does not need.
 */
function reconciled(items: LineItems, fields: ExtractedFields): ExtractedField | null {
  const list = Array.isArray(items.field.value) ? (items.field.value as { amount?: unknown }[]) : [];
  const sum = list.reduce((a, i) => a + (typeof i.amount === 'string' ? toCents(i.amount) : Number.NaN), 0);
  const target = fields.subtotal ?? fields.total;
  // Two cents: cash rounding to 0.05 moves a total ("TOTAL 33.92", "TOTAL ROUNDED 33.90") that far.
  if (typeof target?.value !== 'string' || !(Math.abs(toCents(target.value) - sum) <= 2)) return null;
  // Words tesseract gives under 0.9 are right about four times in five on SROIE receipts
  // (docs/reading.md); a description with one of them is a guess.
  if (items.descriptionTrust < DESCRIPTION_TRUST) return null;
  const raised = Math.min(0.95 * target.confidence, items.descriptionTrust);
  return {
    ...items.field,
    confidence: Math.round(Math.max(items.field.confidence, raised) * 1000) / 1000,
    flags: [...new Set([...(items.field.flags ?? []), 'arithmetic-checked'])],
  };
}

/** Least OCR trust of a receipt's item descriptions for the items to be kept. */
const DESCRIPTION_TRUST = 0.9;

/**
 * Receipts from tills: merchant block on top, a date near it, items, then subtotal, tax,
 * total, cash and change. Built and measured on real Malaysian receipts (SROIE).
 */
export const receiptExtractor: Extractor = {
  name: 'receipt-rules',
  supports: (t: DocType) => t === 'receipt',
  score: () => 0.5,
  extract(read: ReadResult, ctx?: ExtractContext): ExtractedFields {
    const doc = analyse(read, ctx);
    const fields: ExtractedFields = {};
    const party = findParty(doc.view, { addressJoin: 'space' });
    put(fields, 'merchantName', party.name);
    put(fields, 'merchantAddress', party.address);
    put(
      fields,
      'date',
      findDateField(doc, {
        labels: RECEIPT_LABELS.date,
        exclude: RECEIPT_LABELS.dateExclude,
        fallbackFirst: true,
      }),
    );
    putField(fields, 'currency', currencyField(doc));
    const total = findTotal(doc.view, doc.amounts);
    put(fields, 'total', total);
    // Subtotal and tax sit just over the total; a tax "included" line under it.
    const limit = total?.hit?.row.index;
    const floor = summaryRow(doc.view);
    put(fields, 'subtotal', nearestTo(amountCandidates(doc, RECEIPT_LABELS.subtotal), limit, floor));
    put(
      fields,
      'taxAmount',
      nearestTo(
        amountCandidates(doc, RECEIPT_LABELS.tax, { exclude: RECEIPT_LABELS.taxExclude }),
        limit,
        floor,
      ),
    );
    repairDollarSign(doc, fields, ['subtotal', 'taxAmount'], 'total');
    corroborateSum(fields, ['subtotal', 'taxAmount'], 'total');
    const items = findLineItems(doc);
    const checked = items ? reconciled(items, fields) : null;
    if (checked) fields.lineItems = checked;
    return fields;
  },
};
