/** The order a document prints numeric dates in. */
export type DateOrder = 'DMY' | 'MDY' | 'YMD';

export interface LocaleGuess {
  /** ISO 3166-1 alpha-2 code of the country the text points to, or null. */
  country: string | null;
  /** 0..1: how strongly the clues agree. */
  confidence: number;
  /** The numeric date order that country uses; null where usage is mixed (Canada). */
  dateOrder: DateOrder | null;
  /** The decimal separator that country uses in amounts; null when no country was found. */
  decimal: '.' | ',' | null;
  /** The clues found, e.g. `MY: "sdn bhd"`, for evidence and debugging. */
  clues: string[];
}

/** A clue; with `max`, each distinct match counts (up to max times), for lists of place names. */
type Clue = [country: string, weight: number, pattern: RegExp, max?: number];

const US_STATES =
  'AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY';

// Weighted clues: a country name or a dialling code says more than a company suffix.
const CLUES: Clue[] = [
  ['MY', 4, /\bmalaysia\b/i],
  ['MY', 3, /\+\s?60[\s\d-]/],
  ['MY', 2, /\bsdn\.?\s?bhd\b|\bs\/b\b/i],
  ['MY', 2, /(?<![A-Za-z])RM\s?\d/],
  [
    'MY',
    1,
    /\b(jalan|jln|taman|tmn|selangor|kuala lumpur|johor|pulau pinang|penang|sabah|sarawak|perak|kedah|melaka|pahang|negeri sembilan|putrajaya|petaling jaya|shah alam|kawasan|perindustrian|bandar|seksyen|lorong)\b/gi,
    3,
  ],
  ['SG', 4, /\bsingapore\b/i],
  ['SG', 3, /\+\s?65[\s\d-]/],
  ['SG', 2, /\bpte\.?\s?ltd\b|S\$/i],
  ['US', 4, /\b(united states|u\.s\.a\.?|usa)\b/i],
  ['US', 3, new RegExp(`\\b(${US_STATES}),?\\s+\\d{5}(-\\d{4})?\\b`)],
  ['US', 2, /\bW-2\b|\bsocial security\b|\bEIN\b|\bSSN\b|US\$/],
  ['US', 1, /\(\d{3}\)\s?\d{3}-\d{4}|\b(inc|llc)\b\.?/i],
  ['CA', 4, /\bcanada\b/i],
  ['CA', 3, /\b(ON|QC|BC|AB|MB|SK|NS|NB|NL|PE)\s+[A-Z]\d[A-Z]\s?\d[A-Z]\d\b/],
  ['CA', 2, /\bGST\/HST\b|\bC\$|\bCA\$/],
  ['GB', 4, /\b(united kingdom|england|scotland|wales)\b/i],
  ['GB', 3, /\+\s?44[\s\d(]|\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b/],
  ['GB', 2, /£|\blondon\b/i],
  ['GB', 1, /\b(ltd|plc)\b\.?/i],
  ['AU', 4, /\baustralia\b/i],
  ['AU', 3, /\+\s?61[\s\d-]|\b(NSW|VIC|QLD|TAS|ACT)\s+\d{4}\b|\bABN\b/],
  ['AU', 2, /\bpty\.?\s?ltd\b|A\$|AU\$/i],
  ['NZ', 4, /\bnew zealand\b/i],
  ['NZ', 3, /\+\s?64[\s\d-]|NZ\$/],
  ['IN', 4, /\bindia\b/i],
  ['IN', 3, /\+\s?91[\s\d-]|\bGSTIN\b|₹/],
  ['IN', 2, /\b(pvt\.?\s?ltd)\b/i],
  ['DE', 4, /\b(germany|deutschland)\b/i],
  ['DE', 3, /\+\s?49[\s\d-]|\bUSt\.?-?\s?Id\.?-?\s?Nr\b|\bMwSt\b|\bUmsatzsteuer|\bSteuernummer\b/i],
  // A VAT number or an IBAN names its country in its first two letters.
  ['DE', 3, /\bDE\s?\d{9}\b|\bDE\d{2}(?:\s?\d{4}){4}\s?\d{2}\b|\b(?:DE|D)-?\s?\d{5}\s+\p{Lu}\p{Ll}/u],
  ['DE', 2, /\bgmbh\b|\b(?:e\.\s?K|KG|AG|UG)\b|\bRechnung/i],
  ['AT', 4, /\b(austria|österreich|osterreich)\b/i],
  ['AT', 3, /\bATU\d{8}\b|\+\s?43[\s\d-]/],
  ['FR', 4, /\bfrance\b/i],
  ['FR', 3, /\+\s?33[\s\d-]|\bTVA\b|\bSIRE[NT]\b|\bFR\s?[0-9A-Z]{2}\s?\d{9}\b/],
  ['FR', 2, /\b(SARL|SAS|SASU|EURL)\b|\bfacture\b/i],
  ['BE', 4, /\b(belgium|belgique|belgië|belgie)\b/i],
  ['BE', 3, /\bBE\s?0\d{9}\b|\+\s?32[\s\d-]/],
  ['IE', 4, /\bireland\b/i],
  ['IE', 3, /\+\s?353[\s\d-]/],
  ['NL', 4, /\b(netherlands|nederland)\b/i],
  ['NL', 3, /\+\s?31[\s\d-]|\bBTW\b|\bKvK\b|\bNL\d{9}B\d{2}\b/],
  ['NL', 2, /\bB\.V\.|\bfactuur\b/i],
  ['ES', 4, /\b(spain|españa|espana)\b/i],
  ['ES', 3, /\+\s?34[\s\d-]|\b(NIF|CIF)\b|\bES\s?[A-Z0-9]\d{7}[A-Z0-9]\b/],
  ['ES', 2, /\bS\.L\.|\bS\.A\.U?\.|\bfactura\b/i],
  ['IT', 4, /\b(italy|italia)\b/i],
  ['IT', 3, /\+\s?39[\s\d-]|\bP\.?\s?IVA\b|\bpartita iva\b|\bIT\s?\d{11}\b/i],
  ['IT', 2, /\bS\.p\.A\.|\bS\.r\.l\.|\bfattura\b/i],
  ['PH', 4, /\bphilippines\b/i],
  ['PH', 3, /\+\s?63[\s\d-]|₱/],
  ['JP', 4, /\bjapan\b/i],
  ['CN', 4, /\bchina\b/i],
  ['HK', 4, /\bhong kong\b/i],
  ['HK', 3, /HK\$/],
];

const MDY_COUNTRIES = new Set(['US', 'PH']);
const YMD_COUNTRIES = new Set(['JP', 'CN', 'KR', 'HU']);
const MIXED_ORDER = new Set(['CA']);
const DECIMAL_COMMA = new Set([
  'DE',
  'AT',
  'FR',
  'ES',
  'IT',
  'NL',
  'BE',
  'AT',
  'PT',
  'FI',
  'DK',
  'NO',
  'SE',
  'PL',
]);

/** The date order a country prints numeric dates in (null where usage is mixed). */
export function dateOrderOf(country: string): DateOrder | null {
  if (MIXED_ORDER.has(country)) return null;
  if (MDY_COUNTRIES.has(country)) return 'MDY';
  if (YMD_COUNTRIES.has(country)) return 'YMD';
  return 'DMY';
}

/**
 * Guesses the country a document comes from by weighing clues in its text: country names,
 * dialling codes, postcode formats, company suffixes, currency symbols. Each clue counts once,
 * however often it occurs, so a long receipt is not more "Malaysian" than a short one.
 */
export function detectLocale(text: string): LocaleGuess {
  const weights = new Map<string, number>();
  const clues: string[] = [];
  for (const [country, weight, re, max] of CLUES) {
    const found = max
      ? [...new Set([...text.matchAll(re)].map((m) => m[0].toLowerCase()))].slice(0, max)
      : [];
    const m = max ? null : re.exec(text);
    if (!m && found.length === 0) continue;
    weights.set(country, (weights.get(country) ?? 0) + weight * Math.max(1, found.length));
    clues.push(`${country}: "${(m?.[0] ?? found.join('", "')).trim()}"`);
  }
  const ranked = [...weights.entries()].sort((a, b) => b[1] - a[1]);
  const [first, second] = ranked;
  if (!first || first[1] < 2 || (second && first[1] - second[1] < 1)) {
    return { country: null, confidence: 0, dateOrder: null, decimal: null, clues };
  }
  const margin = first[1] - (second?.[1] ?? 0);
  return {
    country: first[0],
    confidence: Math.min(0.95, 0.3 + 0.08 * first[1] + 0.04 * margin),
    dateOrder: dateOrderOf(first[0]),
    decimal: DECIMAL_COMMA.has(first[0]) ? ',' : '.',
    clues,
  };
}
