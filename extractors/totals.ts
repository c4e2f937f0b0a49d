import { amountParser, byLabel, type Candidate, toField } from './field.ts';
import {
  type DocView,
  joinWords,
  type PlacedWord,
  type Row,
  segmentEnd,
  wordsIn,
  wordsRight,
} from './layout.ts';
import { type AmountOptions, findAmounts, fromCents, toCents } from './parse/amount.ts';
import { fuzzyEquals, normalise } from './parse/text.ts';

/** Labels of the amount to pay. Those that only a final figure carries are listed as `strong`. */
export const TOTAL_LABELS = {
  strong: [
    'grand total',
    'nett total',
    'net total',
    'total rounded',
    'rounded total',
    'total after rounding',
    'total amt rounded',
    'total after adj',
    'amount due',
    'amt due',
    'balance due',
    'total due',
    'total payable',
    'amount payable',
    'total amt payable',
    'net amount',
    'net amt',
    'nett amt',
    'net payable',
    'total to pay',
    'amount to pay',
    'please pay',
    'jumlah',
  ],
  plain: ['total amount', 'total amt', 'total sales', 'invoice total', 'total'],
};

/**
 * Words that make a "total" row something else: a count, a pre-tax figure, a payment. Counts
 * of items and pieces are in the languages receipts come in ("Total Itens 1.00" is a count in
 * Portuguese as much as an OCR slip for "Items").
 */
const NOT_A_TOTAL =
  /\b(sub|subtotal|excl\w*|exclusive|exclude\w*|before|qty|quantity|quantuty|items?|item s|itens|articles?|art[ií]culos?|artikel|anzahl|menge|st[üu]ck|stk|pezzi|quantit[àée]|qt[ée]|cantidad|quantidade|discount|savings?|points|count|tender\w*|cash|change|paid|payment|deposit|weight)\b/;
/** "tax"/"gst"/"vat" spoil a total unless it says the tax is included. */
const TAX_WORD = /\b(tax|gst|vat|sst)\b/;
// "\w*clusive" also takes OCR-damaged "inclusive" ("aclusive"); "exclusive" is already refused above.
const TAX_INCLUDED = /\b(incl\w*|inc|with|after|\w*clusive)\b/;

/** A heading under which totals belong to a tax breakdown, not to the sale. */
function isSummaryHeading(row: Row): boolean {
  return row.tokens.some(
    (t) => t.norm.includes('summary') || fuzzyEquals(t.norm, 'summary') || t.norm === 'analysis',
  );
}

/** Index of the row where a tax summary starts; rows below it restate amounts. Infinity when none. */
export function summaryRow(view: DocView): number {
  return view.rows.find(isSummaryHeading)?.index ?? Number.POSITIVE_INFINITY;
}

export interface TotalOptions extends AmountOptions {
  /** Extra labels to accept, strongest first. Default none. */
  labels?: string[];
  /** Labels that look like totals but are not on this kind of document ("net amount" on invoices). Default none. */
  exclude?: string[];
}

/**
 * The amount to pay. Every row labelled as a total (and not as a subtotal, tax, count or
 * payment) offers the right-most amount after its label, or the amount under it; stronger
 * labels ("grand total", "amount due", "rounded") and lower rows win, amounts in a tax
 * summary lose. When the document shows cash tendered and change, the total they imply
 * confirms a candidate or, printed elsewhere unlabelled, becomes the total.
 */
export function findTotal(view: DocView, opts: TotalOptions = {}): Candidate<string> | null {
  const labels = [...(opts.labels ?? []), ...TOTAL_LABELS.strong, ...TOTAL_LABELS.plain];
  const strongCount = (opts.labels?.length ?? 0) + TOTAL_LABELS.strong.length;
  const summaryAt = summaryRow(view);
  const candidates = byLabel(view, labels, amountParser({ ...opts, undotted: printsCents(view, opts) }), {
    exclude: ['sub total', 'subtotal', ...(opts.exclude ?? [])],
    wholeRow: true,
  })
    .filter((c) => {
      const hit = c.hit!;
      const labelSegment = hit.row.words.slice(
        hit.row.segments.filter((s) => s <= hit.first).at(-1) ?? 0,
        segmentEnd(hit.row, hit.last),
      );
      const text = normalise(joinWords(labelSegment).text);
      if (NOT_A_TOTAL.test(text)) return false;
      return !(TAX_WORD.test(text) && !TAX_INCLUDED.test(text));
    })
    .map((c) => (c.hit!.row.index > summaryAt ? summaryAmount(c, opts) : c))
    .map((c) => {
      let score = c.hit!.rank < strongCount ? 1.5 : 1;
      if (c.hit!.row.index > summaryAt) score -= 2;
      if (c.value === '0.00') score -= 1.5;
      if (c.method === 'below') score -= 0.2;
      if (c.flags.includes('decimal-point-restored')) score -= 1;
      score += (0.6 * c.hit!.row.index) / Math.max(1, view.rows.length);
      return { c, score };
    });

  const payment = impliedByPayment(view, opts);
  const implied = payment?.value;
  if (implied) {
    for (const s of candidates) if (s.c.value === implied) s.score += 3;
  }
  candidates.sort((a, b) => b.score - a.score);
  const best = candidates[0];
  if (best && (!implied || best.c.value === implied)) {
    return implied === best.c.value
      ? { ...best.c, flags: [...best.c.flags, 'confirmed-by-payment'], support: payment!.trust }
      : (roundedBelow(view, best.c, opts) ?? best.c);
  }
  if (implied) {
    const printed = printedAmount(view, implied, summaryAt);
    if (printed) return printed;
    const rounded = roundedTo(
      view,
      implied,
      candidates.map((s) => s.c),
      opts,
    );
    if (rounded) return rounded;
  }
  // Cash and change that imply another figure mean the total or the payment was misread.
  if (best && implied)
    return { ...best.c, certainty: best.c.certainty * 0.5, flags: [...best.c.flags, 'payment-disagrees'] };
  if (best) return best.c;
  return largestAmount(view, summaryAt, opts);
}

/** Whether the document writes its money with cents: at least three amounts printed with decimals. */
function printsCents(view: DocView, opts: AmountOptions): boolean {
  let n = 0;
  for (const row of view.rows) {
    n += findAmounts(row.text, opts).filter((a) => a.hasDecimals && a.flags.length === 0).length;
    if (n >= 3) return true;
  }
  return false;
}

/**
 * A tax summary's total row prints the net amount, then the tax ("Total : 80.91 0.00"): the
 * amount right after the label is the one that totals the sale, not the right-most.
 */
function summaryAmount(c: Candidate<string>, opts: AmountOptions): Candidate<string> {
  const first = amountParser({ ...opts, first: true })(wordsRight(c.hit!, { wholeRow: true }));
  return first && c.method === 'same-line' ? { ...c, ...first } : c;
}

/** cash − change, when both are printed and the difference is positive, with how well they were read. */
function impliedByPayment(view: DocView, opts: AmountOptions): { value: string; trust: number } | null {
  const first = (labels: string[], exclude: string[] = []) =>
    byLabel(view, labels, amountParser(opts), { exclude, wholeRow: true })[0];
  const change = first(['change', 'change due', 'cash change', 'change amt', 'amount change', 'baki']);
  const cash = first(
    ['cash', 'cash received', 'cash tendered', 'tendered', 'paid amount', 'amount paid', 'tunai'],
    ['cash change'],
  );
  if (!cash || !change || cash.hit!.row === change.hit!.row) return null;
  const diff = Math.abs(toCents(cash.value)) - Math.abs(toCents(change.value));
  return diff > 0
    ? { value: fromCents(diff), trust: Math.min(toField(cash).confidence, toField(change).confidence) }
    : null;
}

const ROUNDING_LABELS = ['rounding', 'rounding adj', 'rounding adjustment', 'round adj', 'rounding amt'];

/**
 * A total, then a rounding adjustment, then the rounded figure with no label of its own
 * ("TOTAL AMT RM 60.31", "ROUNDING ADJ -0.01", "RM 60.30"), as tills print where the smallest
 * coin is 5 cents: what is paid is the figure under the adjustment, and the sum checks it.
 */
function roundedBelow(
  view: DocView,
  total: Candidate<string>,
  opts: AmountOptions,
): Candidate<string> | null {
  const at = total.hit?.row.index;
  if (at === undefined) return null;
  const rounding = byLabel(view, ROUNDING_LABELS, amountParser(opts), { wholeRow: true }).find(
    (r) => r.hit!.row.index > at && r.hit!.row.index <= at + 2,
  );
  const adjust = rounding ? toCents(rounding.value) : 0;
  // Under the smallest coin; the sign is the one the figure below bears out.
  if (!rounding || adjust === 0 || Math.abs(adjust) > 4) return null;
  const targets = [toCents(total.value) + adjust, toCents(total.value) - adjust].map(fromCents);
  const from = rounding.hit!.row.index;
  for (const row of view.rows) {
    if (row.index <= from || row.index > from + 2) continue;
    const found = amountOnRow(row, (a) => a.hasDecimals && targets.includes(a.value), opts);
    if (!found) continue;
    return {
      ...found,
      method: 'below',
      certainty: Math.min(total.certainty, rounding.certainty),
      flags: [...total.flags, 'arithmetic-checked'],
      hit: null,
    };
  }
  return null;
}

/** The first amount on a row that passes `accept`, with the words it was read from. */
function amountOnRow(
  row: DocView['rows'][number],
  accept: (a: ReturnType<typeof findAmounts>[number]) => boolean,
  opts?: AmountOptions,
): { value: string; words: PlacedWord[] } | null {
  const { text, spans } = joinWords(row.words);
  const hit = findAmounts(text, opts).find(accept);
  return hit ? { value: hit.value, words: wordsIn(row.words, spans, hit.start, hit.end) } : null;
}

/**
 * Cash − change names a figure printed nowhere, because OCR misread the rounded total
 * ("Total 31.85" for 31.45). When another total on the page plus the printed rounding
 * adjustment makes that same figure ("Total incl. GST 31.47", "Rounding Adj -0.02"), two
 * readings that share no digit agree on it: it is the total, derived rather than read.
 */
function roundedTo(
  view: DocView,
  implied: string,
  totals: Candidate<string>[],
  opts: AmountOptions,
): Candidate<string> | null {
  const rounding = byLabel(view, ROUNDING_LABELS, amountParser(opts), { wholeRow: true })[0];
  if (!rounding) return null;
  const base = totals.find((c) => toCents(c.value) + toCents(rounding.value) === toCents(implied));
  // A rounding adjustment is under the smallest coin (5 sen): a total that far from what was
  // paid, beside a rounding line whose own figure was misread, was rounded to it.
  const from = base ?? totals.find((c) => Math.abs(toCents(c.value) - toCents(implied)) <= 4);
  if (!from) return null;
  return {
    value: implied,
    words: [...from.words, ...rounding.words],
    method: 'pattern',
    certainty: (base ? 0.8 : 0.6) * Math.min(from.certainty, rounding.certainty),
    flags: ['total-from-payment', 'derived-from-rounding'],
    hit: null,
  };
}

/** The bottom-most place (above any tax summary) where an amount is printed, not on a payment row. */
function printedAmount(view: DocView, value: string, summaryAt: number): Candidate<string> | null {
  for (const row of [...view.rows].reverse()) {
    if (row.index > summaryAt || /\b(cash|change|tender\w*|paid)\b/.test(normalise(row.text))) continue;
    const found = amountOnRow(row, (a) => a.value === value && a.hasDecimals);
    if (found) {
      return {
        value,
        words: found.words,
        method: 'pattern',
        certainty: 0.85,
        flags: ['total-from-payment'],
        hit: null,
      };
    }
  }
  return null;
}

/** Last resort: the largest amount above any tax summary, off payment rows. */
function largestAmount(view: DocView, summaryAt: number, opts: AmountOptions): Candidate<string> | null {
  let best: { value: string; words: PlacedWord[] } | null = null;
  for (const row of view.rows) {
    if (row.index > summaryAt || /\b(cash|change|tender\w*|paid)\b/.test(normalise(row.text))) continue;
    const { text, spans } = joinWords(row.words);
    for (const a of findAmounts(text, opts)) {
      if (!a.hasDecimals || a.flags.length > 0) continue;
      if (!best || toCents(a.value) > toCents(best.value)) {
        best = { value: a.value, words: wordsIn(row.words, spans, a.start, a.end) };
      }
    }
  }
  return best ? { ...best, method: 'pattern', certainty: 0.6, flags: ['unlabelled-total'], hit: null } : null;
}
