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
import { isLabelOrHeading, labelsFor, PAYMENT_TERMS, TITLE_DATE_CONNECTORS } from './invoice-labels.ts';
import { type DocView, segmentEnd } from './layout.ts';
import { findLineItems } from './line-items.ts';
import { normalise } from './parse/text.ts';
import { findBlock, findParty, type PartyBlock, partyFromBlock } from './party.ts';
import { findTotal } from './totals.ts';

/** Labels in every language the invoice extractor reads (extractors/invoice-labels.ts). */
export const INVOICE_LABELS = {
  title: labelsFor('title'),
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
    const labelledNumber = byLabel(view, INVOICE_LABELS.number, idParser(), {
      exclude: INVOICE_LABELS.numberExclude,
    })[0];
    const titleNumber = numberOnTitleRow(doc);
    const number = labelledNumber ? disputed(labelledNumber, titleNumber) : (titleNumber ?? undefined);
    put(fields, 'invoiceNumber', number);
    // "Rechnung Nr. 471102 vom 05.03.2018", "Facture n° 12 du 03/04/2024", "Invoice 42 dated ...":
    // a date printed after the number on the title row is the invoice's, behind only a date
    // labelled as the invoice date itself.
    put(
      fields,
      'invoiceDate',
      findDateField(doc, { labels: INVOICE_LABELS.date, exclude: INVOICE_LABELS.dateExclude }) ??
        dateAfterNumber(doc, number) ??
        dateOnTitleRow(doc) ??
        weaker(
          findDateField(doc, { labels: INVOICE_LABELS.dateGeneric, exclude: INVOICE_LABELS.dateExclude }),
        ),
    );
    put(
      fields,
      'dueDate',
      findDateField(doc, { labels: INVOICE_LABELS.due, exclude: INVOICE_LABELS.dueExclude }) ??
        dueInPaymentTerms(doc),
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

/**
 * A page that prints two different numbers for the invoice ("Rechnung Nr. E2018092011804" in the
 * title, "Belegnummer 2018092011804" below) leaves the choice to a person: the labelled one is
 * kept, in doubt.
 */
function disputed(chosen: Candidate<string>, other: Candidate<string> | null): Candidate<string> {
  if (!other || compact(other.value) === compact(chosen.value)) return chosen;
  return { ...chosen, certainty: chosen.certainty * 0.5, flags: [...chosen.flags, 'competing-value'] };
}

const compact = (s: string) => s.replace(/[\s\-/.]/g, '').toUpperCase();

function dateAfterNumber(doc: DocContext, number: Candidate<string> | undefined): Candidate<string> | null {
  if (!number?.hit || number.method !== 'same-line') return null;
  const row = number.hit.row;
  const last = number.words.at(-1);
  const from = last ? row.words.indexOf(last) + 1 : -1;
  if (from <= 0 || from >= row.words.length) return null;
  const parsed = dateParser(doc.dates)(row.words.slice(from));
  return parsed ? { ...parsed, method: 'same-line', hit: number.hit } : null;
}

const CONNECTORS = new Set(Object.values(TITLE_DATE_CONNECTORS).flat());
/** One-word titles, normalised: what a title row's first title word is or ends in. */
const TITLE_WORDS = INVOICE_LABELS.title.map(normalise).filter((t) => !t.includes(' ') && t.length >= 5);

/** Rows of page 1 that title the invoice, with the index of the title word. */
function* titleRows(doc: DocContext): Generator<{ row: DocView['rows'][number]; title: number }> {
  for (const row of doc.view.rows) {
    if (row.page !== 1) return;
    // The title may be a compound of a title word ("Mietrechnung", "Baurechnung").
    const title = row.words.findIndex((w) => {
      const n = normalise(w.text);
      return TITLE_WORDS.some((t) => n === t || (n.length > t.length + 2 && n.endsWith(t)));
    });
    if (title >= 0) yield { row, title };
  }
}

/**
 * The date the title row gives after its joining word ("Baurechnung (204) Nr. 181301674 vom
 * 25.04.2018"), when the number was found elsewhere (a payment reference) or not at all; the
 * date may wrap to the start of the next row when the joining word ends the title row.
 */
function dateOnTitleRow(doc: DocContext): Candidate<string> | null {
  const parse = dateParser(doc.dates);
  for (const { row, title } of titleRows(doc)) {
    const at = row.words.findIndex((w, i) => i > title && CONNECTORS.has(normalise(w.text)));
    if (at < 0) continue;
    const rest = row.words.slice(at + 1);
    if (rest.length > 0) {
      const parsed = parse(rest);
      if (parsed) return { ...parsed, method: 'same-line', hit: null };
      continue;
    }
    const next = doc.view.rows[row.index + 1];
    if (!next || next.page !== row.page) continue;
    const parsed = parse(next.words.slice(0, segmentEnd(next, 0)));
    if (parsed) return { ...parsed, method: 'below', hit: null };
  }
  return null;
}

const PAY_WORDS = new Set(Object.values(PAYMENT_TERMS.pay).flat());
const UNTIL_PHRASES = Object.values(PAYMENT_TERMS.until).flat();
const DISCOUNT_WORDS = new Set(Object.values(PAYMENT_TERMS.discount).flat());

/**
 * The due date that payment terms give as a sentence rather than a label ("Zahlbar innerhalb
 * 30 Tagen netto bis 04.04.2020", "Den Betrag überweisen Sie bitte bis zum 21.11.2018",
 * "Payable no later than 5 May 2024"): a date right after a joining word, in the clause of a
 * payment word, with no discount word in that clause (that date is the discount's). The joining
 * word may end the row and the date begin the next.
 */
function dueInPaymentTerms(doc: DocContext): Candidate<string> | null {
  const parse = dateParser(doc.dates);
  const joined = (words: DocView['rows'][number]['words']) =>
    ` ${words.map((w) => normalise(w.text)).join(' ')}`.replace(/\s+/g, ' ').trimEnd();
  const untilBefore = (tail: string) => UNTIL_PHRASES.some((u) => tail.endsWith(` ${u}`));
  const dateAt = (words: DocView['rows'][number]['words'], at: number) => {
    const parsed = parse(words.slice(at, at + 4));
    return parsed && parsed.words[0] === words[at] ? parsed : null;
  };
  for (const row of doc.view.rows) {
    const words = row.words;
    let clause = -1;
    // A discount word anywhere in the clause ("3% Skonto bei Zahlung bis ...") makes its date
    // the discount's; the clause ends at a comma or semicolon, or at the date it gives.
    let discount = false;
    for (let i = 0; i < words.length; i++) {
      const n = normalise(words[i]!.text);
      if (PAY_WORDS.has(n)) clause = i;
      else if (n.split(' ').some((part) => DISCOUNT_WORDS.has(part))) discount = true;
      else {
        const parsed = dateAt(words, i);
        if (parsed) {
          if (clause >= 0 && !discount && untilBefore(joined(words.slice(clause + 1, i)))) {
            return { ...parsed, method: 'same-line', hit: null };
          }
          clause = -1;
          discount = false;
        }
      }
      if (/[,;]$/.test(words[i]!.text)) {
        clause = -1;
        discount = false;
      }
    }
    const next = doc.view.rows[row.index + 1];
    if (clause < 0 || discount || !next || next.page !== row.page) continue;
    if (!untilBefore(joined(words.slice(clause + 1)))) continue;
    const parsed = dateAt(next.words, 0);
    if (parsed) return { ...parsed, method: 'below', hit: null };
  }
  return null;
}

/**
 * The number a compound title row prints that no label names ("Mietrechnung (387) Nr.
 * 9314110911/00/M/00/N vom 01.10.2018"): the id after the title, up to the joining word.
 */
function numberOnTitleRow(doc: DocContext): Candidate<string> | null {
  const parse = idParser();
  for (const { row, title } of titleRows(doc)) {
    const end = row.words.findIndex((w, i) => i > title && CONNECTORS.has(normalise(w.text)));
    // Without a joining word a title row is only a heading ("INVOICE"), never "title number".
    if (end < 0) continue;
    const parsed = parse(row.words.slice(title + 1, end).filter((w) => !/^\(.*\)$/.test(w.text)));
    if (parsed) return { ...parsed, method: 'same-line', hit: null };
  }
  return null;
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
  if (acceptable(labelled) && labelled.name)
    return { ...labelled, name: corroborated(view, wrappedCell(view, rejoined(view, labelled.name))) };
  const letterhead = findParty(view);
  if (!acceptable(letterhead) || !letterhead.name)
    return { name: null, address: labelled.address ?? letterhead.address };
  // A top line that is the value of a label ("Name: …" in a table of fields) is not a letterhead:
  // a name label keeps it, as a labelled value, and any other label ("Anschrift:") refuses it.
  const label = labelBefore(view, letterhead.name);
  if (label !== null) {
    if (!NAME_LABELS.has(normalise(label))) return { name: null, address: letterhead.address };
    return { ...letterhead, name: corroborated(view, wrappedCell(view, rejoined(view, letterhead.name))) };
  }
  return { ...letterhead, name: corroborated(view, rejoined(view, letterheadName(letterhead.name))) };
}

/**
 * PDF producers kern long words into pieces and the text layer then reads a space inside the
 * word ("Liefer ant GmbH", "Taxiunter nehmen"). Two pieces are one word where the document
 * prints them joined elsewhere ("Lieferantenstraße", "Taxiunternehmen"), as a word or the
 * start of one.
 */
function rejoined(view: DocView, name: Candidate<string>): Candidate<string> {
  const own = new Set(name.words);
  const vocabulary = new Set<string>();
  for (const r of view.rows)
    for (const w of r.words) if (!own.has(w)) vocabulary.add(w.text.toLowerCase().replace(/[^\p{L}]/gu, ''));
  const known = (s: string) =>
    vocabulary.has(s) ||
    (s.length >= 6 && [...vocabulary].some((v) => v.length > s.length && v.startsWith(s)));
  const parts = name.value.split(' ');
  const out: string[] = [];
  for (const part of parts) {
    const prev = out.at(-1);
    const joined = prev === undefined ? '' : `${prev}${part}`.toLowerCase();
    if (prev && /^\p{L}+$/u.test(prev) && /^\p{Ll}+$/u.test(part) && known(joined))
      out[out.length - 1] = `${prev}${part}`;
    else out.push(part);
  }
  const value = out.join(' ');
  return value === name.value ? name : { ...name, value, flags: [...name.flags, 'rejoined-word'] };
}

const NAME_LABELS = new Set(labelsFor('partyName').map(normalise));

/** The label printed just before a value on its row ("Name" in "Name: Lieferant GmbH"), if any. */
function labelBefore(view: DocView, value: Candidate<string>): string | null {
  const first = value.words[0];
  const row = first ? view.rows.find((r) => r.words.includes(first)) : undefined;
  if (!row || !first) return null;
  const before = row.words.slice(0, row.words.indexOf(first));
  const text = before
    .map((w) => w.text)
    .join(' ')
    .trim();
  return /:$/.test(text) ? text.replace(/\s*:$/, '') : null;
}

/**
 * How far a vendor name can be trusted depends on whether the document backs it: a seller
 * prints its name again in the footer, the legal notice or the bank details, and a name printed
 * again whole is stronger evidence than the layout alone.
 */
function corroborated(view: DocView, name: Candidate<string>): Candidate<string> {
  const n = normalise(name.value);
  if (n.replace(/[^a-z]/g, '').length < 3) return name;
  const own = new Set(name.words.map((w) => `${w.page}:${Math.round(w.box.y0)}`));
  const again = view.rows.some((r) => {
    const first = r.words[0];
    if (!first || own.has(`${first.page}:${Math.round(first.box.y0)}`)) return false;
    const text = normalise(r.text);
    // The whole row, or the row after a label ("Name: ..."), is the name, not a longer one.
    return text === n || text.endsWith(` ${n}`);
  });
  // A value joined from two lines of a cell stays in doubt, however often a part is printed.
  if (!again || name.flags.includes('wrapped-cell')) return name;
  return {
    ...name,
    support: Math.max(name.support ?? 0, name.certainty),
    flags: [...name.flags, 'name-repeated'],
  };
}

/**
 * A table of "Label: value" rows may centre a long value over two lines, the first of them
 * above the label's own row ("MVM Musterhafter" over "Name: Versicherungsverein ... a.G."):
 * unlabelled text just above the value, in its column, is the value's first half. The two are
 * read as one, with less certainty than a value on one line, so that a reviewer sees the whole.
 */
function wrappedCell(view: DocView, name: Candidate<string>): Candidate<string> {
  const first = name.words[0];
  // Only a labelled value sits in a cell; a name under a block heading ("From") does not.
  if (!first || labelBefore(view, name) === null) return name;
  const row = view.rows.find((r) => r.words.includes(first));
  const above = row ? view.rows[row.index - 1] : undefined;
  if (!row || !above || above.page !== row.page || row.box.y0 - above.box.y1 > row.height) return name;
  const valueX = Math.min(...name.words.map((w) => w.box.x0));
  const inColumn = above.words.every((w) => w.box.x0 >= valueX - row.height);
  if (!inColumn || above.text.includes(':')) return name;
  return {
    ...name,
    value: `${above.text} ${name.value}`,
    words: [...above.words, ...name.words],
    certainty: name.certainty * 0.6,
    flags: [...name.flags, 'wrapped-cell'],
  };
}

/** A value found by a generic one-word label ("Date", "Datum") is weaker evidence than a specific one. */
function weaker<T>(c: Candidate<T> | null): Candidate<T> | null {
  return c ? { ...c, certainty: c.certainty * 0.8 } : null;
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
