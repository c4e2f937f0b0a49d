import { normalise } from './text.ts';

/**
 * ISO 4217 codes of currencies in circulation (funds and precious metals left out): what the
 * validator accepts and what a bare three-letter code in the text must be to count as one.
 */
export const ISO_4217 = new Set(
  (
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP ' +
    'BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP ' +
    'GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR ' +
    'KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK ' +
    'MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR ' +
    'SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS ' +
    'UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWG'
  ).split(' '),
);

/** Codes common enough on back-office paper that a bare mention in the text is trusted. */
const COMMON_CODES = [
  'USD',
  'EUR',
  'GBP',
  'MYR',
  'SGD',
  'AUD',
  'CAD',
  'NZD',
  'CHF',
  'JPY',
  'CNY',
  'HKD',
  'INR',
  'IDR',
  'THB',
  'PHP',
  'SEK',
  'NOK',
  'DKK',
  'PLN',
  'ZAR',
  'AED',
  'MXN',
  'BRL',
];

/** Symbols and local abbreviations whose currency does not depend on the country. */
const FIXED_SYMBOLS: Record<string, string> = {
  RM: 'MYR',
  US$: 'USD',
  S$: 'SGD',
  SGD$: 'SGD',
  A$: 'AUD',
  AU$: 'AUD',
  C$: 'CAD',
  CA$: 'CAD',
  NZ$: 'NZD',
  HK$: 'HKD',
  '£': 'GBP',
  '€': 'EUR',
  '₹': 'INR',
  Rs: 'INR',
  Rp: 'IDR',
  '฿': 'THB',
  '₱': 'PHP',
  '₩': 'KRW',
  '₫': 'VND',
  '₺': 'TRY',
  zł: 'PLN',
  Fr: 'CHF',
};

/** The country whose dollar, yen or krona a bare symbol means; the first entry is the fallback. */
const AMBIGUOUS_SYMBOLS: Record<string, Record<string, string>> = {
  $: { US: 'USD', CA: 'CAD', AU: 'AUD', NZ: 'NZD', SG: 'SGD', HK: 'HKD', MX: 'MXN' },
  '¥': { JP: 'JPY', CN: 'CNY' },
  kr: { SE: 'SEK', NO: 'NOK', DK: 'DKK', IS: 'ISK' },
};

/** The currency a country prints its prices in. */
export const CURRENCY_OF_COUNTRY: Record<string, string> = {
  MY: 'MYR',
  US: 'USD',
  GB: 'GBP',
  CA: 'CAD',
  AU: 'AUD',
  NZ: 'NZD',
  SG: 'SGD',
  IN: 'INR',
  HK: 'HKD',
  JP: 'JPY',
  CN: 'CNY',
  CH: 'CHF',
  SE: 'SEK',
  NO: 'NOK',
  DK: 'DKK',
  PH: 'PHP',
  ID: 'IDR',
  TH: 'THB',
  MX: 'MXN',
  ZA: 'ZAR',
  AE: 'AED',
  IE: 'EUR',
  DE: 'EUR',
  FR: 'EUR',
  ES: 'EUR',
  IT: 'EUR',
  NL: 'EUR',
  BE: 'EUR',
  AT: 'EUR',
  PT: 'EUR',
  FI: 'EUR',
};

/**
 * Tokens that may stand right before or after an amount as its currency, longest first so
 * "US$" wins over "$". Used by the amount scanner to know what to skip.
 */
export const CURRENCY_TOKENS: string[] = [
  ...COMMON_CODES,
  ...Object.keys(FIXED_SYMBOLS),
  ...Object.keys(AMBIGUOUS_SYMBOLS),
].sort((a, b) => b.length - a.length);

/**
 * The ISO 4217 code a printed currency token means, given the document's country when a
 * symbol is shared ("$"). Returns null for tokens that are not currencies.
 */
export function currencyFromToken(token: string, country?: string | null): string | null {
  const t = token.trim();
  const upper = t.toUpperCase();
  if (ISO_4217.has(upper) && /^[A-Za-z]{3}$/.test(t)) return upper;
  if (upper === 'RM') return 'MYR';
  if (FIXED_SYMBOLS[t]) return FIXED_SYMBOLS[t];
  const shared = AMBIGUOUS_SYMBOLS[t] ?? AMBIGUOUS_SYMBOLS[t.toLowerCase()];
  if (shared) {
    const byCountry = country ? shared[country] : undefined;
    if (byCountry) return byCountry;
    // A bare "$" from a country without a dollar is a till printing its generic money sign
    // for the local currency far more often than a foreign price.
    if (t === '$' && country && CURRENCY_OF_COUNTRY[country]) return CURRENCY_OF_COUNTRY[country];
    return Object.values(shared)[0]!;
  }
  return null;
}

export interface CurrencyGuess {
  /** ISO 4217 code. */
  code: string;
  /** 0..1: an explicit code beats a symbol, a symbol beats the country's usual currency. */
  confidence: number;
  /** The text that decided it. */
  clue: string;
}

/**
 * Decides a document's currency from its text: an ISO code printed next to amounts or after
 * "currency", then symbols (counted, so one stray "$" in a note does not outvote ten "RM"),
 * then the currency of the country the text points to.
 */
export function detectCurrency(text: string, country?: string | null): CurrencyGuess | null {
  const counts = new Map<string, { n: number; clue: string; weight: number }>();
  const add = (code: string, clue: string, weight: number) => {
    const c = counts.get(code) ?? { n: 0, clue, weight: 0 };
    c.n += 1;
    c.weight += weight;
    counts.set(code, c);
  };
  const labelled =
    /(?:currency|w(?:ä|ae|a)hrung|devise|valuta|moneda|divisa|amounts?\s+(?:are\s+)?(?:in|shown\s+in))\s*[:-]?\s*([A-Za-z]{3})\b/iu.exec(
      text,
    );
  if (labelled && ISO_4217.has(labelled[1]!.toUpperCase())) {
    return { code: labelled[1]!.toUpperCase(), confidence: 0.98, clue: labelled[0] };
  }
  for (const m of text.matchAll(/\b([A-Z]{3})\b(?=\s*[-(]?\s*\d)|(?<=\d\s?)\b([A-Z]{3})\b/g)) {
    const code = (m[1] ?? m[2])!;
    if (COMMON_CODES.includes(code)) add(code, code, 3);
  }
  for (const m of text.matchAll(/(?<![A-Za-z])(RM)(?=\s*-?\s*\d)|(?<![A-Za-z])(RM)\s*$/gm))
    add('MYR', m[0], 2);
  for (const m of text.matchAll(/(US\$|S\$|A\$|AU\$|C\$|CA\$|NZ\$|HK\$|[£€₹฿₱₩₫₺])/g)) {
    add(currencyFromToken(m[1]!)!, m[1]!, 2);
  }
  for (const m of text.matchAll(/(?<![A-Za-z$])(\$)(?=\s*\d)/g))
    add(currencyFromToken(m[1]!, country)!, '$', 1);
  for (const m of text.matchAll(/(?<![A-Za-z])(¥)/g)) add(currencyFromToken(m[1]!, country)!, '¥', 1);
  for (const m of text.matchAll(/\b(Rs\.?|Rp)(?=\s*\d)/g))
    add(currencyFromToken(m[1]!.replace('.', ''))!, m[1]!, 1);
  let best: { code: string; weight: number; clue: string } | null = null;
  for (const [code, c] of counts)
    if (!best || c.weight > best.weight) best = { code, weight: c.weight, clue: c.clue };
  if (best) return { code: best.code, confidence: best.weight >= 3 ? 0.95 : 0.85, clue: best.clue };
  const word = currencyWord(text);
  if (word) return { code: word, confidence: 0.8, clue: word };
  if (country && CURRENCY_OF_COUNTRY[country]) {
    return { code: CURRENCY_OF_COUNTRY[country], confidence: 0.7, clue: `country ${country}` };
  }
  return null;
}

function currencyWord(text: string): string | null {
  const t = normalise(text);
  if (/\bringgit\b/.test(t)) return 'MYR';
  if (/\beuros?\b/.test(t)) return 'EUR';
  if (/\bpounds? sterling\b/.test(t)) return 'GBP';
  return null;
}
