import type { DocType, ExtractedFields } from '../schemas/common.ts';
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
import { findLineItems } from './line-items.ts';
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
    const party = findParty(doc.view);
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
    if (items) fields.lineItems = items;
    return fields;
  },
};
