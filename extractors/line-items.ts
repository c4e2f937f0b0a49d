import type { Box, ExtractedField } from '../schemas/common.ts';
import type { DocContext } from './context.ts';
import { evidenceOf, ocrTrust } from './field.ts';
import { type DocView, findLabels, joinWords, type LabelHit, type PlacedWord, type Row } from './layout.ts';
import { findAmounts } from './parse/amount.ts';
import { collapse, normalise } from './parse/text.ts';
import { isHeaderLine } from './party.ts';
import { summaryRow, TOTAL_LABELS } from './totals.ts';

/** `other` columns (a service date, a code) are not read but bound the description. */
type Column = 'description' | 'quantity' | 'unitPrice' | 'amount' | 'other';

/** Column headings of item tables, by the column they name. */
export const ITEM_HEADERS: Record<Column, string[]> = {
  description: [
    'description',
    'item',
    'items',
    'details',
    'particulars',
    'product',
    'service',
    'services',
    'desc',
  ],
  quantity: ['qty', 'quantity', 'hours', 'hrs', 'units', 'unit'],
  unitPrice: [
    'unit price',
    'unit charge',
    'price',
    'rate',
    'unit cost',
    'u price',
    'u/p',
    'each',
    's/price',
    'rsp',
  ],
  amount: ['amount', 'line total', 'total', 'amt', 'charges', 'charge', 'fee', 'ext price'],
  other: ['date of service', 'service date', 'visit date', 'date', 'tax', 'tax code', 'disc'],
};

/** Labels that end an item table: the totals block under it. */
const TABLE_END = [
  'subtotal',
  'sub total',
  'sub-total',
  'net amount',
  'goods total',
  'total excl',
  'total charges',
  'item count',
  'total qty',
  ...TOTAL_LABELS.strong,
  'total',
];

export interface LineItemOptions {
  /** Extra labels that end the table (a document's own totals wording). Default none. */
  stopLabels?: string[];
}

interface Item {
  description: string;
  quantity?: string;
  unitPrice?: string;
  amount: string;
  /** The words the values were read from: a misread count that the arithmetic replaced is not one. */
  words: PlacedWord[];
  descriptionWords: PlacedWord[];
  certainty: number;
}

/** The item table as a field, and how well its descriptions were read. */
export interface LineItems {
  field: ExtractedField;
  /**
   * OCR trust of the weakest item's description words. Arithmetic (items adding up to the
   * subtotal) vouches for every figure of the table but not for a word of its descriptions.
   */
  descriptionTrust: number;
}

const canonicalQty = (raw: string): string | null => {
  const t = raw.replace(',', '.');
  if (!/^\d+(\.\d+)?$/.test(t)) return null;
  return String(Number(t));
};

/**
 * The line-item table: under a header row ("Description  Qty  Unit Price  Amount"), each row
 * with an amount in the amount column is an item; words in the description column of rows
 * without one continue the description (a wrapped line) or, on tills that print the name
 * over "2 x 3.50   7.00", supply it. Without a header, the rows with right-aligned amounts
 * just above the totals are taken. Null when no table is found.
 */
export function findLineItems(doc: DocContext, opts: LineItemOptions = {}): LineItems | null {
  const { view } = doc;
  const stops = findLabels(view, [...(opts.stopLabels ?? []), ...TABLE_END], {
    exclude: ['total qty tender'],
  });
  const summaryAt = summaryRow(view);
  const isStopRow = (row: Row) =>
    row.index >= summaryAt ||
    // A totals label opens its segment ("Subtotal", "All amounts in USD | Gross Charges").
    stops.some((s) => s.row === row && (s.first <= 1 || row.segments.includes(s.first)) && !isHeader(row));
  const headers = view.rows.filter(isHeader);
  const items: Item[] = [];
  if (headers.length > 0) {
    for (const header of headers) {
      const columns = columnsOf(header);
      const rows: Row[] = [];
      for (let r = header.index + 1; r < view.rows.length; r++) {
        const row = view.rows[r]!;
        if (row.page !== header.page || isStopRow(row) || isHeader(row)) break;
        rows.push(row);
      }
      items.push(...parseRows(rows, columns, doc));
    }
  } else {
    const end = view.rows.find((r) => r.index > 2 && isStopRow(r) && hasAmount(r, doc));
    if (!end) return null;
    const rows: Row[] = [];
    let top = end.index - 1;
    while (top > 0 && isSeparator(view.rows[top]!)) top--;
    for (let r = top; r > 0; r--) {
      const row = view.rows[r]!;
      // Above the items are the shop's header lines, a title, ids and the date.
      if (row.page !== end.page || isSeparator(row) || (!hasAmount(row, doc) && isHeaderLine(row.text)))
        break;
      rows.unshift(row);
    }
    items.push(...parseRows(rows, null, doc));
  }
  if (items.length === 0) return null;
  // The table is as good as its weakest item; one item's misread count and another's faint
  // word are not one doubt about a single row.
  const confidence = Math.min(...items.map((i) => ocrTrust(i.words) * 0.9 * i.certainty));
  return {
    field: {
      value: items.map(({ words: _w, descriptionWords: _d, certainty: _c, ...item }) => item),
      confidence: Math.round(confidence * 1000) / 1000,
      // One entry per item, so a reviewer sees each row highlighted rather than one big box.
      evidence: items.flatMap((i) => evidenceOf(i.words)),
    },
    descriptionTrust: Math.min(...items.map((i) => ocrTrust(i.descriptionWords))),
  };
}

/** Units a quantity is printed with in a description ("IV 1g", "Rice 1kg"). */
const UNIT = '(?:mg|g|kg|ml|cl|l|oz|lb|pcs|pc|mm|cm|m)';
/**
 * OCR reads the digit one of a monospaced "1g" as the letter l ("lg"); a lone l (or I) that
 * starts a number-and-unit token is the digit.
 */
function repairUnitQuantity(text: string): string {
  return text.replace(new RegExp(`^[lI](\\d*(?:[.,]\\d+)?${UNIT})$`), '1$1');
}

function isHeader(row: Row): boolean {
  const view: DocView = { rows: [row], text: row.text };
  const found = (Object.keys(ITEM_HEADERS) as Column[]).filter(
    (c) => c !== 'other' && findLabels(view, ITEM_HEADERS[c]).length > 0,
  );
  if (hasDigits(row)) return false;
  return found.length >= 2 && (found.includes('amount') || found.includes('unitPrice'));
}

const hasDigits = (row: Row) => /\d/.test(row.text.replace(/\(\s*[A-Z]{3}\s*\)|\([A-Z$€£]{1,3}\)/g, ''));
const isSeparator = (row: Row) => !/[\p{L}\p{N}]/u.test(row.text);
const hasAmount = (row: Row, doc: DocContext) =>
  findAmounts(row.text, doc.amounts).some((a) => a.hasDecimals);

function columnsOf(header: Row): Partial<Record<Column, Box>> {
  const view: DocView = { rows: [header], text: header.text };
  const out: Partial<Record<Column, Box>> = {};
  const taken: LabelHit[] = [];
  for (const c of ['unitPrice', 'description', 'quantity', 'amount', 'other'] as Column[]) {
    const hit = findLabels(view, ITEM_HEADERS[c])
      .sort((a, b) => a.rank - b.rank || a.first - b.first)
      .find((h) => !taken.some((t) => h.first <= t.last && t.first <= h.last));
    if (!hit) continue;
    taken.push(hit);
    out[c] = hit.box;
    if (c === 'description') {
      // "Code / Description": the column starts where its heading's segment starts.
      const start = header.segments.filter((s) => s <= hit.first).at(-1) ?? hit.first;
      out[c] = { ...hit.box, x0: header.words[start]!.box.x0 };
    }
  }
  return out;
}

const near = (b: Box, col: Box | undefined, slack: number) =>
  col !== undefined && b.x1 > col.x0 - slack && b.x0 < col.x1 + slack;

/**
 * Where description text may lie: from the column left of the description heading to the
 * heading of the next column right of it. Numeric headings are right-aligned over their
 * figures, so their left edge is a safe limit for text that wraps within its column.
 */
function descriptionSpan(columns: Partial<Record<Column, Box>> | null): (w: PlacedWord) => boolean {
  const desc = columns?.description;
  if (!columns || !desc) return () => true;
  const others = (Object.keys(columns) as Column[])
    .filter((c) => c !== 'description')
    .map((c) => columns[c]!);
  // Descriptions are left-aligned under their heading, whatever column lies to their left.
  const left = desc.x0 - 0.5 * (desc.y1 - desc.y0);
  const right = Math.min(Number.POSITIVE_INFINITY, ...others.filter((b) => b.x0 >= desc.x1).map((b) => b.x0));
  return (w) => {
    const mid = (w.box.x0 + w.box.x1) / 2;
    return mid > left && mid < right;
  };
}

function parseRows(rows: Row[], columns: Partial<Record<Column, Box>> | null, doc: DocContext): Item[] {
  const items: Item[] = [];
  const inDescription = descriptionSpan(columns);
  let pending: PlacedWord[] = [];
  let prevBottom = Number.NEGATIVE_INFINITY;
  for (const row of rows) {
    const h = row.height;
    const { text, spans } = joinWords(row.words);
    const money = findAmounts(text, doc.amounts)
      // Money has two decimals; "GEL PEN 0.5" and "1.5L" are part of a description.
      .filter((a) => /[.,]\d{2}$/.test(a.raw.replace(/\s*[^\d.,]+$/, '')))
      .map((a) => ({ a, words: row.words.filter((_, i) => spans[i]![0] < a.end && spans[i]![1] > a.start) }));
    const boxOf = (ws: PlacedWord[]) => ({
      x0: Math.min(...ws.map((w) => w.box.x0)),
      y0: row.box.y0,
      x1: Math.max(...ws.map((w) => w.box.x1)),
      y1: row.box.y1,
    });
    const last = money.at(-1);
    const isItem = last && (!columns?.amount || near(boxOf(last.words), columns.amount, 3 * h));
    if (!isItem) {
      const words = row.words.filter(inDescription);
      const gap = row.box.y0 - prevBottom;
      if (words.length === 0 || isSeparator(row)) continue;
      if (items.length > 0 && gap > 2 * h && pending.length === 0 && columns) break;
      pending.push(...words);
      prevBottom = row.box.y1;
      continue;
    }
    const used = new Set<PlacedWord>(last.words);
    let unitPrice: string | undefined;
    const before = money.slice(0, -1);
    const unit = columns?.unitPrice
      ? before.find((m) => near(boxOf(m.words), columns.unitPrice, 2 * h))
      : before.at(-1);
    if (unit) {
      unitPrice = unit.a.value;
      for (const w of unit.words) used.add(w);
    }
    let quantity: string | undefined;
    const rest = row.words.filter((w) => !used.has(w));
    const qtyWord = columns?.quantity
      ? rest.find((w) => canonicalQty(w.text) !== null && near(w.box, columns.quantity, 2 * h))
      : tillQuantity(rest);
    if (qtyWord) {
      quantity = canonicalQty(qtyWord.text) ?? undefined;
      used.add(qtyWord);
    }
    const descWords = row.words.filter(
      (w) =>
        !used.has(w) &&
        !/^[x@*]$/i.test(w.text) &&
        inDescription(w) &&
        (columns?.description || w.box.x1 <= (last.words[0]?.box.x0 ?? Number.POSITIVE_INFINITY)),
    );
    let description = collapse(descWords.map((w) => repairUnitQuantity(w.text)).join(' '));
    if (!/\p{L}/u.test(description) && pending.length > 0) {
      description = collapse(pending.map((w) => w.text).join(' '));
      descWords.unshift(...pending);
    } else if (pending.length > 0 && items.length > 0) {
      const prev = items.at(-1)!;
      prev.description = collapse(`${prev.description} ${pending.map((w) => w.text).join(' ')}`);
      prev.words.push(...pending);
      prev.descriptionWords.push(...pending);
    }
    pending = [];
    prevBottom = row.box.y1;
    if (!/\p{L}/u.test(description)) continue;
    let certainty = last.a.confidence;
    let countWord = qtyWord;
    const amountCents = Math.round(Number(last.a.value) * 100);
    const fits = (q: string) => Math.abs(Math.round(Number(q) * Number(unitPrice) * 100) - amountCents) <= 1;
    if (unitPrice && Number(unitPrice) > 0 && (!quantity || !fits(quantity))) {
      // OCR drops or misreads a lone "1"; amount / unit price gives the count back when it is
      // a plausible one (whole, or in thousandths as hours and weights are).
      const derived = amountCents / Math.round(Number(unitPrice) * 100);
      const q = String(Math.round(derived * 1000) / 1000);
      if (Math.abs(derived * 1000 - Math.round(derived * 1000)) < 1e-6 && fits(q)) {
        quantity = q;
        certainty *= 0.85;
        countWord = undefined;
      } else if (quantity) {
        certainty *= 0.7;
      }
    }
    items.push({
      description,
      ...(quantity ? { quantity } : {}),
      ...(unitPrice ? { unitPrice } : {}),
      amount: last.a.value,
      words: [...descWords, ...(countWord ? [countWord] : []), ...(unit?.words ?? []), ...last.words],
      descriptionWords: descWords,
      certainty,
    });
  }
  if (pending.length > 0 && items.length > 0 && columns) {
    const prev = items.at(-1)!;
    prev.description = collapse(`${prev.description} ${pending.map((w) => w.text).join(' ')}`);
  }
  return items.filter((i) => normalise(i.description) !== '');
}

/** The quantity of a till line: "2 x 3.50", "2 @ 3.50", or a count leading the line ("2 Flat White"). */
function tillQuantity(words: PlacedWord[]): PlacedWord | undefined {
  const i = words.findIndex((w) => /^[x@*]$/i.test(w.text));
  if (i > 0 && canonicalQty(words[i - 1]!.text) !== null) return words[i - 1];
  const first = words[0];
  if (first && /^\d{1,3}$/.test(first.text) && words[1] && /\p{L}/u.test(words[1].text)) return first;
  return undefined;
}
