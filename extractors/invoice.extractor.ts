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
import { byLabel, idParser } from './field.ts';
import { findLineItems } from './line-items.ts';
import { findBlock, findParty, partyFromBlock } from './party.ts';
import { findTotal } from './totals.ts';

/** Label variants seen on real invoices, preferred first. */
export const INVOICE_LABELS = {
  number: [
    'invoice no',
    'invoice number',
    'invoice #',
    'invoice num',
    'inv no',
    'inv #',
    'bill no',
    'invoice',
  ],
  numberExclude: ['invoice date', 'invoice to', 'invoice total', 'tax invoice', 'invoice amount'],
  date: ['invoice date', 'date of issue', 'issue date', 'issued', 'dated', 'inv date', 'tax point', 'date'],
  dateExclude: ['due date', 'payment due', 'due', 'delivery date', 'order date', 'date of supply'],
  due: ['due date', 'payment due', 'payment due date', 'due', 'pay by'],
  dueExclude: ['total due', 'amount due', 'balance due', 'due on receipt'],
  subtotal: [
    'subtotal',
    'sub total',
    'sub-total',
    'net amount',
    'net total',
    'total excl tax',
    'total excl',
    'goods total',
    'total before tax',
  ],
  tax: [
    'sales tax',
    'tax',
    'vat',
    'plus vat',
    'gst',
    'hst',
    'gst/hst',
    'sst',
    'service tax',
    'total gst',
    'total tax',
    'total vat',
  ],
  taxExclude: [
    'vat reg',
    'vat reg no',
    'vat no',
    'vat id',
    'vat number',
    'gst reg',
    'gst reg no',
    'gst/hst no',
    'sst reg',
    'sst reg no',
    'tax id',
    'tax invoice',
    'total excl tax',
    'excl tax',
    'total excl',
  ],
  from: ['from', 'supplier', 'vendor', 'seller'],
};

/**
 * Invoices: issuer block (a "From" block, else the letterhead), number and dates by label
 * (beside or under it), totals block, item table.
 */
export const invoiceExtractor: Extractor = {
  name: 'invoice-rules',
  supports: (t: DocType) => t === 'invoice',
  score: () => 0.5,
  extract(read: ReadResult, ctx?: ExtractContext): ExtractedFields {
    const doc = analyse(read, ctx);
    const { view } = doc;
    const fields: ExtractedFields = {};
    const fromBlock = findBlock(view, INVOICE_LABELS.from);
    const party = fromBlock ? partyFromBlock(fromBlock) : findParty(view);
    put(fields, 'vendorName', party.name);
    put(fields, 'vendorAddress', party.address);
    put(
      fields,
      'invoiceNumber',
      byLabel(view, INVOICE_LABELS.number, idParser(), { exclude: INVOICE_LABELS.numberExclude })[0],
    );
    put(
      fields,
      'invoiceDate',
      findDateField(doc, { labels: INVOICE_LABELS.date, exclude: INVOICE_LABELS.dateExclude }),
    );
    put(
      fields,
      'dueDate',
      findDateField(doc, { labels: INVOICE_LABELS.due, exclude: INVOICE_LABELS.dueExclude }),
    );
    putField(fields, 'currency', currencyField(doc));
    const total = findTotal(view, { ...doc.amounts, exclude: INVOICE_LABELS.subtotal });
    put(fields, 'total', total);
    const limit = total?.hit?.row.index;
    put(fields, 'subtotal', nearestTo(amountCandidates(doc, INVOICE_LABELS.subtotal), limit));
    put(
      fields,
      'taxAmount',
      nearestTo(amountCandidates(doc, INVOICE_LABELS.tax, { exclude: INVOICE_LABELS.taxExclude }), limit),
    );
    repairDollarSign(doc, fields, ['subtotal', 'taxAmount'], 'total');
    corroborateSum(fields, ['subtotal', 'taxAmount'], 'total');
    const items = findLineItems(doc);
    if (items) fields.lineItems = items.field;
    return fields;
  },
};
