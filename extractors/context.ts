import type { ExtractedField } from '../schemas/common.ts';
import type { ReadResult } from '../schemas/read.ts';
import { derivedField, evidenceOf } from './field.ts';
import { buildView, type DocView } from './layout.ts';
import type { AmountOptions } from './parse/amount.ts';
import { type CurrencyGuess, detectCurrency } from './parse/currency.ts';
import { type DateOptions, decideDateOrder, type OrderDecision } from './parse/date.ts';
import { detectLocale, type LocaleGuess } from './parse/locale.ts';

/** What the caller knows about a document before it is read; every hint is optional. */
export interface ExtractContext {
  /** ISO 3166-1 alpha-2 country the batch comes from. Default: guessed from the text. */
  country?: string;
  /** Day/month order of numeric dates. Default: decided from the document's other dates, then its country; flagged when neither decides. */
  dateOrder?: 'DMY' | 'MDY';
  /** ISO 4217 currency to assume when the document shows none. Default: none, so the field is left out. */
  currency?: string;
  /** "Today", for two-digit years and plausible dates. Default: the current time. */
  today?: Date;
}

/** Everything extractors share about one document, worked out once. */
export interface DocContext {
  view: DocView;
  locale: LocaleGuess;
  order: OrderDecision;
  currency: CurrencyGuess | null;
  dates: DateOptions;
  amounts: AmountOptions;
}

/** Reads the document's rows, country, date order, currency and number format once, for all finders. */
export function analyse(read: ReadResult, ctx: ExtractContext = {}): DocContext {
  const view = buildView(read);
  const detected = detectLocale(view.text);
  const locale: LocaleGuess = ctx.country ? { ...detected, country: ctx.country, confidence: 1 } : detected;
  const order = decideDateOrder(
    view.text,
    locale.dateOrder ? { order: locale.dateOrder, confidence: locale.confidence } : null,
    ctx.dateOrder,
  );
  const currency =
    detectCurrency(view.text, locale.country) ??
    (ctx.currency ? { code: ctx.currency, confidence: 0.75, clue: 'batch default' } : null);
  return {
    view,
    locale,
    order,
    currency,
    dates: { order: order.order, orderConfidence: order.confidence, today: ctx.today },
    amounts: locale.decimal ? { decimal: locale.decimal } : {},
  };
}

/** The currency field, with the word that gave it away as evidence when there is one. */
export function currencyField(doc: DocContext): ExtractedField | null {
  const c = doc.currency;
  if (!c) return null;
  const clueWord = doc.view.rows.flatMap((r) => r.words).find((w) => w.text.includes(c.clue));
  if (clueWord) {
    return { value: c.code, confidence: c.confidence, evidence: evidenceOf([clueWord]) };
  }
  return derivedField(c.code, c.confidence, c.clue);
}
