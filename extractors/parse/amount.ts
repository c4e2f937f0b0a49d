import { CURRENCY_TOKENS } from './currency.ts';

export interface ParsedAmount {
  /** Canonical money: a decimal string with two places, "-" for negatives, e.g. "1234.56". */
  value: string;
  /** 0..1: lower when OCR letters were repaired or the separators were ambiguous. */
  confidence: number;
  /** Caveats: "ocr-repaired", "ambiguous-separator", "no-decimals". */
  flags: string[];
}

export interface AmountMatch extends ParsedAmount {
  /** The matched source text, currency and sign included. */
  raw: string;
  /** Character offsets of `raw` in the scanned text. */
  start: number;
  end: number;
  /** Whether the amount was printed with decimals ("12.00"), the strongest sign it is money. */
  hasDecimals: boolean;
  /** The currency token printed with it ("RM", "$", "EUR"), or null. */
  currencyToken: string | null;
}

export interface AmountOptions {
  /**
   * The decimal separator the document uses, when known from its locale. Decides "1.234"
   * (thousands with ",", a three-decimal value otherwise). Default: undecided, so a lone
   * three-digit group is read as thousands and flagged "ambiguous-separator".
   */
  decimal?: '.' | ',';
}

// Letters OCR puts in place of digits; only repaired inside something that is otherwise a number.
const OCR_DIGITS: Record<string, string> = {
  O: '0',
  o: '0',
  D: '0',
  S: '5',
  s: '5',
  I: '1',
  l: '1',
  '|': '1',
  B: '8',
};
const D = '[0-9OoDSsIl|B]';
// After a separator only O is repaired: a letter there is more often a tax code ("75.00SR").
const G = '[0-9Oo]';
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const CUR = `(?:${CURRENCY_TOKENS.map(escapeRe).join('|')})`;
// A space as thousands mark only with the decimal comma ("1 234,56"): elsewhere a space is
// what separates a quantity from a price.
// OCR also splits "15374 .64" and "109818. 84" at the decimal point: two decimals after a
// lone space still belong to the number.
const NUMBER = `(?:\\d{1,3}(?:[ \u00a0]\\d{3})+,\\d{1,2}|${D}+(?:[,.'\u00a0]${G}{3})*(?:[.,]${G}{1,2}|[.,] \\d{2}(?!\\d)| [.,]\\d{2}(?!\\d))?)`;
const AMOUNT_RE = new RegExp(
  `(?<![\\p{L}\\p{N}.,/:-])(\\()?(-\\s?)?(?:(${CUR})\\s?)?(-\\s?)?(${NUMBER})(?![\\p{N}%])(?![.,:/-]\\p{N})(?:\\s?(${CUR})(?![\\p{L}]))?(-(?!\\p{N}))?(\\))?`,
  'gu',
);

/**
 * Scans text for amounts: "1,234.56", "1.234,56", "1 234,56", "RM 12.30", "$12", "€12,00",
 * "(12.00)" and "12.00-" as negatives, "1O.5O" repaired to "10.50". Numbers glued to letters
 * on their left ("SS21") are not amounts; letters glued on the right ("75.00SR", a tax
 * code) are allowed, as receipts print them that way.
 */
export function findAmounts(text: string, opts: AmountOptions = {}): AmountMatch[] {
  const out: AmountMatch[] = [];
  for (const m of text.matchAll(AMOUNT_RE)) {
    const [raw, open, minus1, cur1, minus2, num, cur2, minus3, close] = m;
    const digits = num!.replace(/[^0-9]/g, '').length;
    if (digits === 0) continue;
    // "RMS5.00": a letter between the currency and the digits is a stray mark, not a digit.
    if ((cur1 || minus2) && /^[SsOo]\d/.test(num!)) {
      const rest = parseNumber(num!.slice(1).trim(), opts);
      if (rest) {
        const start = m.index! + (open && !close ? 1 : 0);
        out.push({
          ...rest,
          flags: [...rest.flags, 'ocr-repaired'],
          confidence: rest.confidence * 0.8,
          raw: text.slice(start, m.index! + raw.length).trim(),
          start,
          end: m.index! + raw.length,
          hasDecimals: /[.,]\S{1,2}$/.test(num!.trim()),
          currencyToken: cur1 ?? null,
        });
        continue;
      }
    }
    const letters = num!.replace(/[0-9,.'\u00a0 ]/g, '').length;
    // Repairs are trusted only inside a number with a decimal part and mostly real digits.
    if (letters > 0 && (!/[.,]\S{2}$/.test(num!) || letters > digits)) continue;
    const parsed = parseNumber(num!.trim(), opts);
    if (!parsed) continue;
    const negative = Boolean(minus1 || minus2 || minus3 || (open && close));
    const start = m.index! + (open && !close ? 1 : 0);
    const end = m.index! + raw.length - (close && !open ? 1 : 0);
    out.push({
      ...parsed,
      value: negative && !/^0\.00$/.test(parsed.value) ? `-${parsed.value}` : parsed.value,
      raw: text.slice(start, end).trim(),
      start,
      end,
      hasDecimals: /[.,]\S{1,2}$/.test(num!.trim()),
      currencyToken: cur1 ?? cur2 ?? null,
    });
  }
  return out;
}

/** Parses text that is one amount and nothing else (currency and sign allowed). */
export function parseAmount(text: string, opts: AmountOptions = {}): ParsedAmount | null {
  const t = text.trim();
  const found = findAmounts(t, opts);
  if (found.length !== 1) return null;
  const a = found[0]!;
  if (t.slice(0, a.start).trim() !== '' || t.slice(a.end).replace(/[\s:]/g, '') !== '') return null;
  return { value: a.value, confidence: a.confidence, flags: a.flags };
}

function parseNumber(raw: string, opts: AmountOptions): ParsedAmount | null {
  const flags: string[] = [];
  let confidence = 1;
  const num = raw.replace(/ ?([.,]) ?(?=\d{2}$)/, '$1');
  if (num !== raw) {
    // "2 .50" is as likely a count and a price as one number; only longer figures are joined.
    if (!/\d{2} ?[.,] ?\d{2}$/.test(raw)) return null;
    flags.push('ocr-repaired');
    confidence *= 0.85;
  }
  let s = num.replace(/[OoDSsIl|B]/g, (c) => OCR_DIGITS[c]!);
  if (s !== num) {
    flags.push('ocr-repaired');
    confidence *= 0.8;
  }
  s = s.replace(/\u00a0/g, ' ');
  const lastSep = Math.max(s.lastIndexOf('.'), s.lastIndexOf(','));
  let intPart = s;
  let decPart = '';
  if (lastSep >= 0) {
    const tail = s.slice(lastSep + 1);
    const sep = s[lastSep]!;
    const head = s.slice(0, lastSep);
    const lone = !/[.,' ]/.test(head);
    if (tail.length <= 2) {
      if (head.includes(sep)) return null;
      intPart = head;
      decPart = tail;
    } else if (tail.length === 3 && lone && opts.decimal === sep) {
      return null;
    } else {
      if (tail.length === 3 && lone && opts.decimal === undefined) {
        flags.push('ambiguous-separator');
        confidence *= 0.6;
      }
      intPart = s;
    }
  } else {
    flags.push('no-decimals');
  }
  const groups = intPart.split(/[.,' ]/);
  if (groups.length > 1) {
    const seps = new Set(intPart.replace(/[0-9]/g, ''));
    if (seps.size > 1 || groups.slice(1).some((g) => g.length !== 3) || groups[0]!.length > 3) return null;
    if (groups[0] === '') return null;
  }
  const whole = groups.join('').replace(/^0+(?=\d)/, '');
  if (whole === '' || !/^\d+$/.test(whole) || !/^\d*$/.test(decPart)) return null;
  return { value: `${whole}.${decPart.padEnd(2, '0')}`, confidence, flags };
}

/** Integer cents of a canonical amount, for sums that must agree to the cent. */
export function toCents(value: string): number {
  const m = /^(-)?(\d+)\.(\d{2})$/.exec(value);
  if (!m) return Number.NaN;
  const cents = Number(m[2]) * 100 + Number(m[3]);
  return m[1] ? -cents : cents;
}

/** Canonical amount of integer cents. */
export function fromCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(Math.round(cents));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
