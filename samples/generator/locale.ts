import type { DateStyle } from './dates.ts';
import { type Cents, formatNumber, type NumberStyle } from './money.ts';
import type { Rng } from './prng.ts';

export type LocaleId = 'US' | 'UK' | 'IE' | 'DE' | 'FR' | 'NL' | 'MY' | 'SG' | 'CA' | 'AU';

export interface TaxRule {
  /** How the tax line is labelled; `{rate}` is replaced by the printed rate. */
  labels: readonly string[];
  /** Percent rates used in that country. */
  rates: readonly number[];
}

export interface Locale {
  id: LocaleId;
  /** Printed as the last address line: the locale clue a reader can use for day-first dates. */
  country: string;
  currency: string;
  /** The sign the country prints; '$' alone is ambiguous outside the US, see MoneyFormat.clue. */
  symbol: string;
  symbolAfter: boolean;
  numbers: NumberStyle;
  dateStyles: readonly DateStyle[];
  /** Receipts in the wild favour short years. */
  receiptDateStyles: readonly DateStyle[];
  pageSize: 'letter' | 'a4';
  tax: TaxRule;
}

const dot: NumberStyle = { decimal: '.', thousands: ',' };
const comma: NumberStyle = { decimal: ',', thousands: '.' };

export const LOCALES: Record<LocaleId, Locale> = {
  US: {
    id: 'US',
    country: 'USA',
    currency: 'USD',
    symbol: '$',
    symbolAfter: false,
    numbers: dot,
    dateStyles: ['MM/DD/YYYY', 'Month D, YYYY', 'Mon D, YYYY'],
    receiptDateStyles: ['MM/DD/YYYY', 'MM/DD/YY'],
    pageSize: 'letter',
    tax: { labels: ['Sales Tax', 'Sales Tax ({rate}%)', 'Tax ({rate}%)'], rates: [6, 7.25, 8.25, 8.875] },
  },
  UK: {
    id: 'UK',
    country: 'United Kingdom',
    currency: 'GBP',
    symbol: '£',
    symbolAfter: false,
    numbers: dot,
    dateStyles: ['DD/MM/YYYY', 'D Mon YYYY', 'D Month YYYY'],
    receiptDateStyles: ['DD/MM/YYYY', 'DD/MM/YYYY'],
    pageSize: 'a4',
    tax: { labels: ['VAT {rate}%', 'VAT @ {rate}%', 'VAT'], rates: [20] },
  },
  IE: {
    id: 'IE',
    country: 'Ireland',
    currency: 'EUR',
    symbol: '€',
    symbolAfter: false,
    numbers: dot,
    dateStyles: ['DD/MM/YYYY', 'D Mon YYYY'],
    receiptDateStyles: ['DD/MM/YYYY'],
    pageSize: 'a4',
    tax: { labels: ['VAT {rate}%', 'VAT @ {rate}%'], rates: [23, 13.5] },
  },
  DE: {
    id: 'DE',
    country: 'Germany',
    currency: 'EUR',
    symbol: '€',
    symbolAfter: true,
    numbers: comma,
    dateStyles: ['DD.MM.YYYY', 'DD.MM.YYYY', 'YYYY-MM-DD'],
    receiptDateStyles: ['DD.MM.YYYY'],
    pageSize: 'a4',
    tax: { labels: ['VAT {rate}%', 'plus VAT {rate}%'], rates: [19, 7] },
  },
  FR: {
    id: 'FR',
    country: 'France',
    currency: 'EUR',
    symbol: '€',
    symbolAfter: true,
    numbers: { decimal: ',', thousands: ' ' },
    dateStyles: ['DD/MM/YYYY', 'D Month YYYY'],
    receiptDateStyles: ['DD/MM/YYYY'],
    pageSize: 'a4',
    tax: { labels: ['VAT {rate}%', 'VAT ({rate}%)'], rates: [20, 10] },
  },
  NL: {
    id: 'NL',
    country: 'Netherlands',
    currency: 'EUR',
    symbol: '€',
    symbolAfter: false,
    numbers: comma,
    dateStyles: ['DD-MM-YYYY', 'D Mon YYYY'],
    receiptDateStyles: ['DD-MM-YYYY'],
    pageSize: 'a4',
    tax: { labels: ['VAT {rate}%', 'VAT {rate}% on net'], rates: [21, 9] },
  },
  MY: {
    id: 'MY',
    country: 'Malaysia',
    currency: 'MYR',
    symbol: 'RM',
    symbolAfter: false,
    numbers: dot,
    dateStyles: ['DD/MM/YYYY', 'DD-MM-YYYY', 'D Mon YYYY'],
    receiptDateStyles: ['DD/MM/YYYY', 'DD-MM-YY'],
    pageSize: 'a4',
    tax: { labels: ['SST {rate}%', 'Service Tax {rate}%', 'SST'], rates: [6, 8] },
  },
  SG: {
    id: 'SG',
    country: 'Singapore',
    currency: 'SGD',
    symbol: 'S$',
    symbolAfter: false,
    numbers: dot,
    dateStyles: ['DD/MM/YYYY', 'D Mon YYYY'],
    receiptDateStyles: ['DD/MM/YYYY'],
    pageSize: 'a4',
    tax: { labels: ['GST {rate}%', 'GST'], rates: [9] },
  },
  CA: {
    id: 'CA',
    country: 'Canada',
    currency: 'CAD',
    symbol: '$',
    symbolAfter: false,
    numbers: dot,
    dateStyles: ['YYYY-MM-DD', 'Month D, YYYY'],
    receiptDateStyles: ['YYYY-MM-DD', 'YYYY-MM-DD'],
    pageSize: 'letter',
    tax: { labels: ['GST {rate}%', 'HST {rate}%', 'GST/HST'], rates: [5, 13] },
  },
  AU: {
    id: 'AU',
    country: 'Australia',
    currency: 'AUD',
    symbol: '$',
    symbolAfter: false,
    numbers: dot,
    dateStyles: ['DD/MM/YYYY', 'D Mon YYYY'],
    receiptDateStyles: ['DD/MM/YYYY'],
    pageSize: 'a4',
    tax: { labels: ['GST {rate}%', 'GST', 'Total GST'], rates: [10] },
  },
};

export const LOCALE_IDS = Object.keys(LOCALES) as LocaleId[];

/** How a document prints amounts: with the sign, with the ISO code, or bare numbers. */
export type MoneyMode = 'symbol' | 'code' | 'plain';

export class MoneyFormat {
  constructor(
    readonly locale: Locale,
    readonly mode: MoneyMode,
  ) {}

  static pick(rng: Rng, locale: Locale, modes: readonly MoneyMode[] = ['symbol', 'symbol', 'code']) {
    return new MoneyFormat(locale, rng.pick(modes));
  }

  get currency(): string {
    return this.locale.currency;
  }

  number(cents: Cents): string {
    return formatNumber(cents, this.locale.numbers);
  }

  /** An amount as the layout's main figures print it (may be bare digits in 'plain' mode). */
  amount(cents: Cents): string {
    const n = this.number(cents);
    if (this.mode === 'plain') return n;
    if (this.mode === 'code') return `${this.locale.currency} ${n}`;
    if (this.locale.symbolAfter) return `${n} ${this.locale.symbol}`;
    return this.locale.symbol === 'RM' ? `RM${n}` : `${this.locale.symbol}${n}`;
  }

  /** An amount that always names its currency, for the one figure a reader must not misread. */
  strong(cents: Cents): string {
    return this.mode === 'plain' ? `${this.locale.currency} ${this.number(cents)}` : this.amount(cents);
  }

  /**
   * A line stating the currency, when the figures alone would not tell it ('$' is also
   * Canadian and Australian, bare digits tell nothing). Null when the amounts suffice.
   */
  get clue(): string | null {
    if (this.mode === 'code') return null;
    if (this.mode === 'symbol' && (this.locale.symbol !== '$' || this.locale.id === 'US')) return null;
    return `All amounts in ${this.locale.currency}`;
  }
}

export function taxLabel(rng: Rng, locale: Locale, rate: number): string {
  return rng.pick(locale.tax.labels).replace('{rate}', formatRate(rate, locale));
}

export function formatRate(rate: number, locale: Locale): string {
  return String(rate).replace('.', locale.numbers.decimal);
}
