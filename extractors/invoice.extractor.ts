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
import { analyse, currencyField, type DocContext, type ExtractContext } from './context.ts';
import type { Extractor } from './extractor.ts';
import { byLabel, type Candidate, dateParser, idParser } from './field.ts';
import { isLabelOrHeading, labelsFor } from './invoice-labels.ts';
import type { DocView } from './layout.ts';
import { findLineItems } from './line-items.ts';
import { normalise } from './parse/text.ts';
import { findBlock, findParty, type PartyBlock, partyFromBlock } from './party.ts';
import { findTotal } from './totals.ts';

/** Labels in every language the invoice extractor reads (extractors/invoice-labels.ts). */
export const INVOICE_LABELS = {
  number: labelsFor('number'),
  numberExclude: labelsFor('numberExclude'),
  date: labelsFor('date', 'specific'),
  dateGeneric: labelsFor('date', 'generic'),
  dateExclude: labelsFor('dateExclude'),
  due: labelsFor('due'),
  dueExclude: labelsFor('dueExclude'),
  subtotal: labelsFor('subtotal'),
  tax: labelsFor('tax'),
  taxExclude: labelsFor('taxExclude'),
  total: labelsFor('total'),
  totalExclude: labelsFor('totalExclude'),
  from: labelsFor('seller'),
  buyer: labelsFor('buyer'),
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
    const party = vendorParty(view);
    put(fields, 'vendorName', party.name);
    put(fields, 'vendorAddress', party.address);
    const number = byLabel(view, INVOICE_LABELS.number, idParser(), {
      exclude: INVOICE_LABELS.numberExclude,
    })[0];
    put(fields, 'invoiceNumber', number);
    // "Rechnung Nr. 471102 vom 05.03.2018", "Facture n° 12 du 03/04/2024", "Invoice 42 dated ...":
    // a date printed after the number on the title row is the invoice's, behind only a date
    // labelled as the invoice date itself.
    put(
      fields,
      'invoiceDate',
      findDateField(doc, { labels: INVOICE_LABELS.date, exclude: INVOICE_LABELS.dateExclude }) ??
        dateAfterNumber(doc, number) ??
        findDateField(doc, { labels: INVOICE_LABELS.dateGeneric, exclude: INVOICE_LABELS.dateExclude }),
    );
    put(
      fields,
      'dueDate',
      findDateField(doc, { labels: INVOICE_LABELS.due, exclude: INVOICE_LABELS.dueExclude }),
    );
    putField(fields, 'currency', currencyField(doc));
    const total = findTotal(view, {
      ...doc.amounts,
      labels: INVOICE_LABELS.total,
      exclude: [...INVOICE_LABELS.subtotal, ...INVOICE_LABELS.totalExclude],
    });
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

function dateAfterNumber(doc: DocContext, number: Candidate<string> | undefined): Candidate<string> | null {
  if (!number?.hit || number.method !== 'same-line') return null;
  const row = number.hit.row;
  const last = number.words.at(-1);
  const from = last ? row.words.indexOf(last) + 1 : -1;
  if (from <= 0 || from >= row.words.length) return null;
  const parsed = dateParser(doc.dates)(row.words.slice(from));
  return parsed ? { ...parsed, method: 'same-line', hit: number.hit } : null;
}

/**
 * The issuer: the seller's own block when the invoice labels one ("From", "Verkäufer",
 * "Fournisseur"), else the letterhead. A name that is a label or a heading ("Billing Address",
 * "Hotel Details"), or the buyer's own name, was read from the wrong line and is refused.
 */
function vendorParty(view: DocView): PartyBlock {
  const buyer = partyFromBlock(findBlock(view, INVOICE_LABELS.buyer)).name?.value;
  const acceptable = (p: PartyBlock) =>
    p.name !== null &&
    !isLabelOrHeading(p.name.value) &&
    (buyer === undefined || normalise(p.name.value) !== normalise(buyer));
  const labelled = partyFromBlock(findBlock(view, INVOICE_LABELS.from));
  if (acceptable(labelled)) return labelled;
  const letterhead = findParty(view);
  if (!acceptable(letterhead) || !letterhead.name)
    return { name: null, address: labelled.address ?? letterhead.address };
  return { ...letterhead, name: letterheadName(letterhead.name) };
}

/**
 * A letterhead often prints the whole sender on one line, "Au bon moulin SARL - 1242 chemin de
 * l'olive - 84340 Malaucène": the name is the part before the first separator when a later part
 * holds a digit (a street number, a postcode, a phone).
 */
function letterheadName(name: Candidate<string>): Candidate<string> {
  const parts = name.value.split(/\s+[-–|·•]\s+/);
  if (
    parts.length < 2 ||
    !parts.slice(1).some((p) => /\d/.test(p)) ||
    parts[0]!.replace(/[^\p{L}]/gu, '').length < 2
  )
    return name;
  return { ...name, value: parts[0]!.trim(), certainty: name.certainty * 0.95 };
}
