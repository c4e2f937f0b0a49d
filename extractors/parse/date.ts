import type { DateOrder } from './locale.ts';

export interface ParsedDate {
  /** Canonical date, YYYY-MM-DD. */
  value: string;
  /** 0..1: high for month names and unambiguous numbers, low when the day/month order was guessed. */
  confidence: number;
  /** Caveats: "ambiguous-date-order" when day and month could be swapped and nothing decided. */
  flags: string[];
}

export interface DateMatch extends ParsedDate {
  /** The matched source text. */
  raw: string;
  /** Character offsets of `raw` in the scanned text. */
  start: number;
  end: number;
  /** Whether the text alone fixes the day/month order (a month name, a part over 12, ISO). */
  unambiguous: boolean;
}

export interface DateOptions {
  /**
   * The day/month order decided for this document (from its locale or its other dates).
   * Default: undecided, so an ambiguous date uses `fallbackOrder` and is flagged.
   */
  order?: 'DMY' | 'MDY' | null;
  /** How sure the caller is of `order`, 0..1. Default 0.9. */
  orderConfidence?: number;
  /** The order used, flagged "ambiguous-date-order", when nothing decided one. Default 'DMY'. */
  fallbackOrder?: 'DMY' | 'MDY';
  /** Reference date for two-digit years and plausibility. Default: now. */
  today?: Date;
  /** Earliest plausible year; older dates are read as OCR noise and rejected. Default 1950. */
  minYear?: number;
  /** How many years past `today` a date may lie (due dates, expiries). Default 10. */
  maxYearsAhead?: number;
  /** Also accept an undivided YYYYMMDD ("20180304"): only safe on a labelled value. Default false. */
  compact?: boolean;
}

const MONTHS: Record<string, number> = {};
const MONTH_NAMES: [number, string[]][] = [
  [1, ['jan', 'january', 'januari', 'januar', 'janvier', 'enero']],
  [2, ['feb', 'febr', 'february', 'februari', 'februar', 'fev', 'fevrier']],
  [3, ['mar', 'march', 'mac', 'mac', 'maret', 'marz', 'maerz', 'mars', 'marzo']],
  [4, ['apr', 'april', 'avr', 'avril', 'abril']],
  [5, ['may', 'mei', 'mai', 'mayo']],
  [6, ['jun', 'june', 'juni', 'juin', 'junio']],
  [7, ['jul', 'july', 'julai', 'juli', 'juillet', 'julio']],
  [8, ['aug', 'august', 'ogos', 'agustus', 'aout', 'agosto']],
  [9, ['sep', 'sept', 'september', 'septembre', 'septiembre']],
  [10, ['oct', 'october', 'okt', 'oktober', 'octobre', 'octubre']],
  [11, ['nov', 'november', 'novembre', 'noviembre']],
  [12, ['dec', 'december', 'dis', 'disember', 'dez', 'dezember', 'decembre', 'diciembre']],
];
for (const [n, names] of MONTH_NAMES) for (const name of names) MONTHS[name] = n;

const MON = '([A-Za-zÀ-ÿ]{3,9})\\.?';
const DAY = '(\\d{1,2})(?:st|nd|rd|th)?';
const YEAR = "('?\\d{4}|'?\\d{2})";
const PATTERNS: { re: RegExp; kind: 'numeric' | 'iso' | 'dmy-named' | 'mdy-named' | 'compact' }[] = [
  // Numbers glued to letters ("HD03-04-06") are product codes, not dates.
  { re: /(?<![\p{L}\d.\-/])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d])(?![-/.]\d)/gu, kind: 'iso' },
  // "12.17.26 PM" is a time.
  {
    re: /(?<![\p{L}\d.\-/])(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})(?!\d)(?![-/.]\d)(?!\s?[AaPp]\.?[Mm]\b)/gu,
    kind: 'numeric',
  },
  {
    re: new RegExp(`(?<![\\p{L}\\p{N}])${DAY}[\\s.\\-/]*${MON}[\\s.,\\-/]*${YEAR}(?!\\d)`, 'gu'),
    kind: 'dmy-named',
  },
  {
    // "Jan 2024" is a month and a year, not January 20, '24: the day needs a separator after it.
    re: new RegExp(`(?<![\\p{L}\\p{N}])${MON}[\\s.\\-]*${DAY}(?:,\\s*|[\\s.\\-]+)${YEAR}(?!\\d)`, 'gu'),
    kind: 'mdy-named',
  },
  {
    re: /(?<![\d\p{L}])((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?![\d\p{L}])/gu,
    kind: 'compact',
  },
];

/** The month a word names ("Mar", "Disember"), 1-12, or null. */
export function monthOf(word: string): number | null {
  const w = word
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  return MONTHS[w] ?? null;
}

function fullYear(y: string, today: Date): number {
  const digits = y.replace("'", '');
  const n = Number(digits);
  if (digits.length === 4) return n;
  const pivot = (today.getFullYear() % 100) + 10;
  return n <= pivot ? 2000 + n : 1900 + n;
}

function calendar(y: number, m: number, d: number, opts: DateOptions): string | null {
  if (m < 1 || m > 12 || d < 1 || d > 31) return null;
  const t = new Date(Date.UTC(y, m - 1, d));
  if (t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d) return null;
  const today = opts.today ?? new Date();
  if (y < (opts.minYear ?? 1950) || y > today.getFullYear() + (opts.maxYearsAhead ?? 10)) return null;
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * Scans text for printed dates: 03/04/2024, 03-04-24, 3.4.2024, 2024-03-04, 12 Mar 2024,
 * March 12, 2024, 12MAR2024, "25 DEC 18". Impossible or implausible dates are skipped.
 * Where day and month could be swapped, `opts.order` decides; without it the date is read
 * in `fallbackOrder`, flagged "ambiguous-date-order" and given a low confidence.
 */
export function findDates(text: string, opts: DateOptions = {}): DateMatch[] {
  const today = opts.today ?? new Date();
  const out: DateMatch[] = [];
  const taken: [number, number][] = [];
  for (const { re, kind } of PATTERNS) {
    if (kind === 'compact' && !opts.compact) continue;
    for (const m of text.matchAll(re)) {
      const start = m.index!;
      const end = start + m[0].length;
      if (taken.some(([s, e]) => start < e && end > s)) continue;
      const found = resolve(kind, m, today, opts);
      if (!found) continue;
      taken.push([start, end]);
      out.push({ ...found, raw: m[0], start, end });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

function resolve(
  kind: (typeof PATTERNS)[number]['kind'],
  m: RegExpMatchArray,
  today: Date,
  opts: DateOptions,
): Omit<DateMatch, 'raw' | 'start' | 'end'> | null {
  const sure = (value: string | null, confidence: number) =>
    value ? { value, confidence, flags: [], unambiguous: true } : null;
  switch (kind) {
    case 'iso':
      return sure(calendar(Number(m[1]), Number(m[3]), Number(m[4]), opts), 0.97);
    case 'compact':
      return sure(calendar(Number(m[1]), Number(m[2]), Number(m[3]), opts), 0.8);
    case 'dmy-named': {
      const month = monthOf(m[2]!);
      return month ? sure(calendar(fullYear(m[3]!, today), month, Number(m[1]), opts), 0.97) : null;
    }
    case 'mdy-named': {
      const month = monthOf(m[1]!);
      return month ? sure(calendar(fullYear(m[3]!, today), month, Number(m[2]), opts), 0.97) : null;
    }
    case 'numeric': {
      const a = Number(m[1]);
      const b = Number(m[3]);
      const y = fullYear(m[4]!, today);
      // Two-digit years make "24.03.18"-style prices and versions look like dates; demand a
      // real-looking year only when the separator is a dot.
      if (m[2] === '.' && m[4]!.length === 2 && a > 31) return null;
      if (a > 12 || b > 12 || a === b) {
        const dmy = a > 12 || a === b;
        return sure(dmy ? calendar(y, b, a, opts) : calendar(y, a, b, opts), 0.95);
      }
      if (opts.order) {
        const v = opts.order === 'DMY' ? calendar(y, b, a, opts) : calendar(y, a, b, opts);
        return v
          ? { value: v, confidence: opts.orderConfidence ?? 0.9, flags: [], unambiguous: false }
          : null;
      }
      const fallback = opts.fallbackOrder ?? 'DMY';
      const v = fallback === 'DMY' ? calendar(y, b, a, opts) : calendar(y, a, b, opts);
      return v ? { value: v, confidence: 0.45, flags: ['ambiguous-date-order'], unambiguous: false } : null;
    }
  }
}

/** Parses text that is one date and nothing else around it but punctuation and a time. */
export function parseDate(text: string, opts: DateOptions = {}): ParsedDate | null {
  const found = findDates(text, opts);
  if (found.length === 0) return null;
  const d = found[0]!;
  const rest = (text.slice(0, d.start) + text.slice(d.end)).replace(
    /\d{1,2}:\d{2}(:\d{2})?\s*([AaPp][Mm])?/g,
    '',
  );
  if (/[\p{L}\p{N}]/u.test(rest)) return null;
  return { value: d.value, confidence: d.confidence, flags: d.flags };
}

export interface OrderDecision {
  /** The decided order, or null when nothing decides it. */
  order: 'DMY' | 'MDY' | null;
  /** 0..1 */
  confidence: number;
  /** What decided it: "document-dates" (a date with a part over 12), "locale", "hint" or "none". */
  source: 'hint' | 'document-dates' | 'locale' | 'none';
}

/**
 * Decides a document's day/month order. A numeric date on the same document whose first
 * part is over 12 proves day-first (and second part over 12, month-first); when its dates
 * prove nothing or contradict each other, the locale's usual order decides.
 */
export function decideDateOrder(
  text: string,
  locale: { order: DateOrder | null; confidence: number } | null,
  hint?: 'DMY' | 'MDY',
): OrderDecision {
  if (hint) return { order: hint, confidence: 0.95, source: 'hint' };
  let dmy = 0;
  let mdy = 0;
  for (const m of text.matchAll(PATTERNS[1]!.re)) {
    const a = Number(m[1]);
    const b = Number(m[3]);
    if (a > 12 && a <= 31 && b >= 1 && b <= 12) dmy++;
    else if (b > 12 && b <= 31 && a >= 1 && a <= 12) mdy++;
  }
  if (dmy > 0 && mdy === 0) return { order: 'DMY', confidence: 0.92, source: 'document-dates' };
  if (mdy > 0 && dmy === 0) return { order: 'MDY', confidence: 0.92, source: 'document-dates' };
  if (locale?.order === 'DMY' || locale?.order === 'MDY') {
    return {
      order: locale.order,
      confidence: Math.min(0.9, 0.6 + 0.3 * locale.confidence),
      source: 'locale',
    };
  }
  return { order: null, confidence: 0, source: 'none' };
}
