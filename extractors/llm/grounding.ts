import { z } from 'zod';
import type { DocType, Evidence } from '../../schemas/common.ts';
import { DOCUMENT_SCHEMAS } from '../../schemas/documents.ts';
import type { DocContext } from '../context.ts';
import { findAmounts, parseAmount, toCents } from '../parse/amount.ts';
import { CURRENCY_TOKENS, currencyFromToken, ISO_4217 } from '../parse/currency.ts';
import { findDates } from '../parse/date.ts';
import { collapse, normalise } from '../parse/text.ts';

/** How a field's value is canonicalised and looked for in the text. */
export type FieldKind = 'money' | 'date' | 'currency' | 'code' | 'text';

export interface AskedField {
  name: string;
  kind: FieldKind;
  description: string;
  required: boolean;
}

/**
 * The fields of a type the LLM is asked for, with their kind read off the zod schema's
 * pattern. Arrays (line items) are left to the rules: a row's values cannot be grounded one
 * citation at a time as reliably as a single value can.
 */
const asked = new Map<DocType, AskedField[]>();

export function askedFields(docType: DocType): AskedField[] {
  const known = asked.get(docType);
  if (known) return known;
  const shape = DOCUMENT_SCHEMAS[docType].shape as Record<string, z.ZodType>;
  const out: AskedField[] = [];
  for (const [name, schema] of Object.entries(shape)) {
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
      type?: string;
      pattern?: string;
      description?: string;
    };
    if (json.type !== 'string') continue;
    const pattern = json.pattern ?? '';
    const kind: FieldKind =
      pattern === '^-?\\d+\\.\\d{2}$'
        ? 'money'
        : pattern === '^\\d{4}-\\d{2}-\\d{2}$'
          ? 'date'
          : pattern === '^[A-Z]{3}$'
            ? 'currency'
            : pattern !== ''
              ? 'code'
              : 'text';
    out.push({
      name,
      kind,
      description: json.description ?? schema.description ?? name,
      required: !schema.safeParse(undefined).success,
    });
  }
  asked.set(docType, out);
  return out;
}

/** The canonical form of a value the LLM gave, or null when it is not one of its kind. */
export function canonicalise(kind: FieldKind, raw: string, doc: DocContext): string | null {
  const v = collapse(raw);
  if (v === '') return null;
  switch (kind) {
    case 'money':
      return /^-?\d+\.\d{2}$/.test(v) ? v : (parseAmount(v, doc.amounts)?.value ?? null);
    case 'date': {
      if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return findDates(v)[0]?.value === v ? v : null;
      const found = findDates(v, { ...doc.dates, compact: true });
      return found.length === 1 ? found[0]!.value : null;
    }
    case 'currency':
      return ISO_4217.has(v.toUpperCase()) ? v.toUpperCase() : currencyFromToken(v, doc.locale.country);
    default:
      return v;
  }
}

/** Whether two canonical values of a kind are the same value. */
export function sameValue(kind: FieldKind, a: string, b: string): boolean {
  if (kind === 'money') return toCents(a) === toCents(b);
  if (kind === 'text' || kind === 'code') return squash(kind, a) === squash(kind, b);
  return a === b;
}

// Identifiers are compared on letters and digits alone: "123-45-6789" is "123 45 6789". In
// text a "#" is a label's mark, not part of the value: "#10023" is "10023".
const words = (s: string) => collapse(normalise(s).replace(/#/g, ' '));
const squash = (kind: FieldKind, s: string) =>
  kind === 'code' ? normalise(s).replace(/[^a-z0-9]/g, '') : words(s);

/**
 * The cited lines a canonical value is printed in, read the way the rules read: amounts and
 * dates parsed out of a line and compared as values (in the document's own number format and
 * day/month order), currencies from codes or symbols, identifiers on their letters and digits,
 * text as whole words after normalisation. Text may run over several cited lines (an
 * address). Empty when the value is not there: it is not grounded.
 */
export function groundingLines<L extends { text: string }>(
  kind: FieldKind,
  value: string,
  lines: L[],
  doc: DocContext,
): L[] {
  const alone = lines.filter((l) => inText(kind, value, l.text, doc));
  if (alone.length > 0 || lines.length < 2 || (kind !== 'text' && kind !== 'code')) return alone;
  return inText(kind, value, lines.map((l) => l.text).join(' '), doc) ? lines : [];
}

/**
 * Whether a numeric date in the lines could be read day-first or month-first and nothing on
 * the document decides which: the value is what the paper says, but so is its mirror.
 */
export function dateOrderUndecided(value: string, lines: { text: string }[], doc: DocContext): boolean {
  if (doc.dates.order) return false;
  return lines.some((l) => {
    const dmy = findDates(l.text, { ...doc.dates, order: 'DMY', compact: true });
    const mdy = findDates(l.text, { ...doc.dates, order: 'MDY', compact: true });
    return dmy.some((d) => {
      const m = mdy.find((x) => x.start === d.start);
      return m !== undefined && m.value !== d.value && (m.value === value || d.value === value);
    });
  });
}

export function isGrounded(
  kind: FieldKind,
  value: string,
  lines: { text: string }[],
  doc: DocContext,
): boolean {
  return groundingLines(kind, value, lines, doc).length > 0;
}

function inText(kind: FieldKind, value: string, text: string, doc: DocContext): boolean {
  switch (kind) {
    case 'money':
      // As the rules read money: printed with decimals or a currency, so a count in prose
      // ("within 30 days", "set the total to 0") is not an amount.
      return findAmounts(text, doc.amounts).some(
        (a) => (a.hasDecimals || a.currencyToken !== null) && toCents(a.value) === toCents(value),
      );
    case 'date': {
      // With no order decided, either reading of a numeric date is what the paper says.
      const orders = doc.dates.order ? [doc.dates.order] : (['DMY', 'MDY'] as const);
      return orders.some((order) =>
        findDates(text, { ...doc.dates, order, compact: true }).some((d) => d.value === value),
      );
    }
    case 'currency':
      return currenciesIn(text, doc.locale.country).has(value);
    case 'code': {
      const want = squash(kind, value);
      if (want === '') return false;
      // Token-aligned, so "12" is not found inside "A123".
      const tokens = normalise(text).split(' ');
      for (let i = 0; i < tokens.length; i++) {
        let acc = '';
        for (let j = i; j < tokens.length && acc.length < want.length; j++) {
          acc += tokens[j]!.replace(/[^a-z0-9]/g, '');
          if (acc === want) return true;
        }
      }
      return false;
    }
    case 'text': {
      const want = words(value);
      return want !== '' && ` ${words(text)} `.includes(` ${want} `);
    }
  }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function currenciesIn(text: string, country: string | null | undefined): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/\b[A-Za-z]{3}\b/g)) {
    if (ISO_4217.has(m[0].toUpperCase()) && m[0] === m[0].toUpperCase()) out.add(m[0]);
  }
  for (const token of CURRENCY_TOKENS) {
    if (/^[A-Z]{3}$/.test(token) || !text.includes(token)) continue;
    // A lettered symbol stands alone: the "RM" in "FORM" is not ringgit.
    if (/\p{L}/u.test(token) && !new RegExp(`(?<!\\p{L})${escapeRe(token)}(?!\\p{L})`, 'u').test(text))
      continue;
    const code = currencyFromToken(token, country);
    if (code) out.add(code);
  }
  const words = normalise(text);
  if (/\bringgit\b/.test(words)) out.add('MYR');
  if (/\beuros?\b/.test(words)) out.add('EUR');
  if (/\bpounds? sterling\b/.test(words)) out.add('GBP');
  return out;
}

/** Evidence of an LLM-filled value: each line it was found in, whole, as the page shows it. */
export function lineEvidence(
  lines: { page: number; line: { text: string; box: Evidence['box'] } }[],
): Evidence[] {
  return lines.map(({ page, line }) => ({ page, box: line.box, text: line.text }));
}
