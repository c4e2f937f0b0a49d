import { unionBox } from '../pipeline/layout.ts';
import type { Evidence, ExtractedField } from '../schemas/common.ts';
import {
  type DocView,
  findLabels,
  joinWords,
  type LabelHit,
  type LabelOptions,
  type PlacedWord,
  wordsBelow,
  wordsIn,
  wordsRight,
} from './layout.ts';
import { type AmountOptions, findAmounts } from './parse/amount.ts';
import { type DateOptions, findDates } from './parse/date.ts';
import { collapse } from './parse/text.ts';

/**
 * How a value was found, from most to least trustworthy: beside its label, under it, by its
 * place in the layout (the letterhead, the addressee block), by its shape alone.
 */
export type Method = 'same-line' | 'below' | 'layout' | 'pattern' | 'derived';

/** How much each way of finding a value is trusted, before OCR and parse certainty. */
export const METHOD_TRUST: Record<Method, number> = {
  'same-line': 0.97,
  below: 0.9,
  layout: 0.85,
  pattern: 0.7,
  derived: 0.85,
};

export interface Candidate<T> {
  value: T;
  words: PlacedWord[];
  method: Method;
  /** 0..1: how sure the parser is of the value given the text. */
  certainty: number;
  flags: string[];
  /** The label it was found by, if any. */
  hit: LabelHit | null;
  /** Confidence of other figures on the page that confirm this value (cash − change = total). */
  support?: number;
}

export type Parsed<T> = { value: T; certainty: number; flags: string[]; words: PlacedWord[] };
/** Reads a value out of candidate words; null when they do not hold one. */
export type ValueParser<T> = (words: PlacedWord[]) => Parsed<T> | null;

export interface ByLabelOptions extends LabelOptions {
  /** Look on the label's row, to its right. Default true. */
  right?: boolean;
  /** Look under the label when nothing is to its right. Default true. */
  below?: boolean;
  /** Read the whole rest of the row rather than the next segment only. Default false. */
  wholeRow?: boolean;
}

/**
 * Every value the parser accepts next to one of the labels: right of it on its row, else
 * under it. Ordered by label preference, then same-line before below, then top to bottom.
 */
export function byLabel<T>(
  view: DocView,
  labels: string[],
  parse: ValueParser<T>,
  opts: ByLabelOptions = {},
): Candidate<T>[] {
  const out: Candidate<T>[] = [];
  for (const hit of findLabels(view, labels, opts)) {
    const right = opts.right === false ? [] : wordsRight(hit, { wholeRow: opts.wholeRow });
    const sameLine = right.length > 0 ? parse(right) : null;
    if (sameLine) {
      out.push({ ...sameLine, method: 'same-line', hit });
      continue;
    }
    // Nothing usable to the right (often the next label of a row of labels): look underneath.
    if (opts.below === false) continue;
    const under = wordsBelow(hit, view);
    const below = under.length > 0 ? parse(under) : null;
    if (below) out.push({ ...below, method: 'below', hit });
  }
  const order: Record<Method, number> = { 'same-line': 0, below: 1, layout: 2, pattern: 3, derived: 4 };
  return out.sort(
    (a, b) =>
      a.hit!.rank - b.hit!.rank || order[a.method] - order[b.method] || a.hit!.row.index - b.hit!.row.index,
  );
}

/** OCR trust of some words: between their mean and their weakest, so one bad word counts. */
export function ocrTrust(words: PlacedWord[]): number {
  if (words.length === 0) return 1;
  const cs = words.map((w) => w.confidence);
  const mean = cs.reduce((a, b) => a + b, 0) / cs.length;
  return (mean + Math.min(...cs)) / 2;
}

/** Evidence for some words: one entry per page, the union of their boxes and their text. */
export function evidenceOf(words: PlacedWord[]): Evidence[] {
  const pages = [...new Set(words.map((w) => w.page))];
  return pages.map((page) => {
    const ws = words.filter((w) => w.page === page);
    return { page, box: unionBox(ws.map((w) => w.box)), text: joinWords(ws).text };
  });
}

/** An ExtractedField from a candidate: confidence = OCR trust × method trust × label match × parse certainty. */
export function toField<T>(c: Candidate<T>, extraFlags: string[] = []): ExtractedField {
  const labelTrust = c.hit && c.hit.distance > 0 ? 0.9 : 1;
  const read = ocrTrust(c.words) * METHOD_TRUST[c.method] * labelTrust * c.certainty;
  const confidence = Math.max(read, 0.95 * (c.support ?? 0));
  const flags = [...new Set([...c.flags, ...extraFlags])];
  return {
    value: c.value,
    confidence: Math.round(Math.max(0, Math.min(1, confidence)) * 1000) / 1000,
    evidence: evidenceOf(c.words),
    ...(flags.length > 0 ? { flags } : {}),
  };
}

/** A field worked out from others (a sum, a default): no box of its own. */
export function derivedField(
  value: unknown,
  confidence: number,
  text: string,
  flags: string[] = [],
): ExtractedField {
  return {
    value,
    confidence: Math.round(confidence * 1000) / 1000,
    evidence: [{ page: 1, box: null, text }],
    ...(flags.length > 0 ? { flags } : {}),
  };
}

/**
 * Parses the right-most amount of the words (a row reads "label … qty … amount"), preferring
 * amounts printed with decimals over bare integers, which are more often counts or codes.
 * `opts.first` (default false) takes the left-most instead: this period's pay before the
 * year to date.
 */
export function amountParser(
  opts: AmountOptions & { first?: boolean; undotted?: boolean } = {},
): ValueParser<string> {
  return (words) => {
    const { text, spans } = joinWords(words);
    const found = findAmounts(text, opts);
    const decimals = found.filter((a) => a.hasDecimals && !a.flags.includes('ambiguous-separator'));
    const pool = decimals.length > 0 ? decimals : found.filter((a) => a.currencyToken !== null);
    const a = opts.first ? pool[0] : pool[pool.length - 1];
    if (!a) return opts.undotted ? undottedAmount(found, words, spans) : null;
    const certainty = a.confidence * (a.hasDecimals ? 1 : 0.85);
    return { value: a.value, certainty, flags: a.flags, words: wordsIn(words, spans, a.start, a.end) };
  };
}

/**
 * A till's small decimal point is the first thing a faded print or OCR loses: "7950" where
 * "79.50" was printed. On a document whose amounts carry cents, a bare figure of three to six
 * digits alone on an amount's row is read as cents, with a doubt flag.
 */
function undottedAmount(
  found: ReturnType<typeof findAmounts>,
  words: PlacedWord[],
  spans: [number, number][],
): Parsed<string> | null {
  // Only a figure alone on its row: "IBAN … 3870 8485 1085" is not a total without its point.
  const a = found.length === 1 ? found[0]! : null;
  if (!a || !/^\d{3,6}$/.test(a.raw) || a.flags.includes('ocr-repaired')) return null;
  const digits = a.raw;
  return {
    value: `${digits.slice(0, -2).replace(/^0+(?=\d)/, '')}.${digits.slice(-2)}`,
    certainty: a.confidence * 0.7,
    flags: [...a.flags.filter((f) => f !== 'no-decimals'), 'decimal-point-restored'],
    words: wordsIn(words, spans, a.start, a.end),
  };
}

/** Parses the first date in the words. */
export function dateParser(opts: DateOptions): ValueParser<string> {
  return (words) => {
    const { text, spans } = joinWords(words);
    const d = findDates(text, { ...opts, compact: true })[0];
    if (!d) return null;
    return {
      value: d.value,
      certainty: d.confidence,
      flags: d.flags,
      words: wordsIn(words, spans, d.start, d.end),
    };
  };
}

/**
 * Parses free text (a name, a description): the words as printed, whitespace collapsed.
 * `opts.minLetters`: fewer letters than this is not text; default 2.
 */
export function textParser(opts: { minLetters?: number } = {}): ValueParser<string> {
  return (words) => {
    const kept = words.filter((w) => !/^[:#\-=|]+$/.test(w.text));
    const value = collapse(kept.map((w) => w.text).join(' ')).replace(/^[:\-\s]+/, '');
    const letters = value.replace(/[^\p{L}]/gu, '').length;
    if (letters < (opts.minLetters ?? 2) || /:$/.test(value)) return null;
    return { value, certainty: 1, flags: [], words: kept };
  };
}

/**
 * Parses an identifier as printed ("INV-2024-0042", "#10023", "VU 5561 3865"): after any "#"
 * or "No.", a short all-capitals prefix may stand apart, then the tokens that hold digits.
 */
export function idParser(): ValueParser<string> {
  const ID = /^[\p{Lu}\d][\p{Lu}\d\-/_.#]*$/u;
  return (words) => {
    const clean = (w: PlacedWord) => w.text.replace(/^[#:.]+|[,;:.]+$/g, '');
    const run: PlacedWord[] = [];
    for (const w of words) {
      const t = clean(w);
      if (run.length === 0 && (t === '' || /^(no|nr|number|num)$/i.test(t))) continue;
      const digits = /\d/.test(t);
      const seenDigits = run.some((r) => /\d/.test(clean(r)));
      if (ID.test(t) && (digits || (!seenDigits && t.length <= 4))) {
        run.push(w);
        continue;
      }
      break;
    }
    while (run.length > 0 && !/\d/.test(clean(run.at(-1)!))) run.pop();
    if (run.length > 0) return { value: run.map(clean).join(' '), certainty: 1, flags: [], words: run };
    const loose = words.find(
      (w) => /\d/.test(clean(w)) && /^[\p{L}\p{N}][\p{L}\p{N}\-/_.#]*$/u.test(clean(w)),
    );
    return loose ? { value: clean(loose), certainty: 0.9, flags: [], words: [loose] } : null;
  };
}

/** Words that name a form field, never part of a person's name. */
export const FORM_WORDS =
  /\b(employee|employer|emp|staff|id|no|number|date|period|pay|name|department|position|title|code|tax|ssn|address|account|bank|total|amount|net|gross|policy|claim|claimant|patient|insured|insurance|phone|email|telephone|signature|statement|page)\b/i;

/** Parses a person's name: letters only (no digits or "@"), up to six words, no form wording. */
export function personParser(): ValueParser<string> {
  return (words) => {
    const kept = words.filter((w) => !/^[:#\-=|]+$/.test(w.text));
    const value = collapse(kept.map((w) => w.text).join(' ')).replace(/^[:\-\s]+/, '');
    if (!/\p{L}{2}/u.test(value) || /[\d@:#]/.test(value) || value.split(' ').length > 6) return null;
    if (FORM_WORDS.test(value)) return null;
    const capitalised = value
      .split(' ')
      .every(
        (w) => /^[\p{Lu}'(]/u.test(w) || /^(bin|binti|a\/l|a\/p|de|van|von|der|la|le|da|del|al)$/i.test(w),
      );
    return { value, certainty: capitalised ? 0.97 : 0.8, flags: [], words: kept };
  };
}
