import type { ExtractedField, ExtractedFields } from '../schemas/common.ts';
import type { DocContext } from './context.ts';
import { amountParser, byLabel, type Candidate, dateParser, toField } from './field.ts';
import { parseAmount, toCents } from './parse/amount.ts';
import { findDates } from './parse/date.ts';

/** Sets a field only when a candidate exists, so absent fields stay absent rather than null. */
export function put(fields: ExtractedFields, name: string, c: Candidate<unknown> | null | undefined): void {
  if (c) fields[name] = toField(c);
}

/** Sets an already built field when there is one. */
export function putField(fields: ExtractedFields, name: string, f: ExtractedField | null | undefined): void {
  if (f) fields[name] = f;
}

export interface DateFieldOptions {
  /** Labels of the date, preferred first. */
  labels: string[];
  /** Labels of other dates that contain these labels ("due date" for "date"). Default none. */
  exclude?: string[];
  /** Take the first date in the document when no label has one. Default false. */
  fallbackFirst?: boolean;
}

/** A labelled date, or (when asked) the first date printed anywhere, read in the document's day/month order. */
export function findDateField(doc: DocContext, opts: DateFieldOptions): Candidate<string> | null {
  const labelled = byLabel(doc.view, opts.labels, dateParser(doc.dates), { exclude: opts.exclude })[0];
  if (labelled || !opts.fallbackFirst) return labelled ?? null;
  // Unlabelled dates more than a year ahead are product codes or expiry dates, not the
  // date the document was made.
  const near = { ...doc.dates, maxYearsAhead: 1 };
  const found = doc.view.rows.map((row) => ({ row, dates: findDates(row.text, near) }));
  const distinct = new Set(found.flatMap((f) => f.dates.map((d) => d.value)));
  const dated = found.filter((f) => f.dates.length > 0).map((f) => f.row);
  // Of several, the one printed with a time of day is the transaction's stamp; a till's
  // other dates (a voucher's, a member's) come without one.
  const stamped = dated.find((r) => /\b\d{1,2}:\d{2}\b/.test(r.text));
  for (const row of stamped && distinct.size > 1 ? [stamped] : dated) {
    const parsed = dateParser(near)(row.words);
    // The only date a receipt prints is its date; one of several is just the first.
    if (parsed) return { ...parsed, method: distinct.size === 1 ? 'layout' : 'pattern', hit: null };
  }
  return undividedDate(doc);
}

/**
 * Some tills print the date without separators in the document's own order ("21032018"
 * for 21 March 2018), and OCR drops one now and then ("2512/2018"). Eight digits that make a calendar date of the last thirty years in
 * that order are taken, as a last resort and with little certainty: a random eight-digit
 * code is such a date about once in three thousand.
 */
function undividedDate(doc: DocContext): Candidate<string> | null {
  const order = doc.dates.order;
  if (!order) return null;
  const today = doc.dates.today ?? new Date();
  for (const row of doc.view.rows) {
    for (const w of row.words) {
      // One separator lost to OCR ("2512/2018") is the same case.
      const m = /^(\d{2})[/.-]?(\d{2})[/.-]?((?:19|20)\d{2})$/.exec(w.text.replace(/[.,:;]+$/, ''));
      if (!m) continue;
      const [a, b, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
      const [day, month] = order === 'DMY' ? [a, b] : [b, a];
      const t = new Date(Date.UTC(y, month - 1, day));
      if (t.getUTCMonth() !== month - 1 || t.getUTCDate() !== day) continue;
      if (y < today.getFullYear() - 30 || t.getTime() > today.getTime() + 366 * 86_400_000) continue;
      const value = `${y}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
      return { value, words: [w], method: 'pattern', certainty: 0.6, flags: ['undivided-date'], hit: null };
    }
  }
  return null;
}

/** Every amount labelled with one of `labels` (right of the label, else under it), best label first. */
export function amountCandidates(
  doc: DocContext,
  labels: string[],
  opts: { exclude?: string[]; below?: boolean } = {},
): Candidate<string>[] {
  return byLabel(doc.view, labels, amountParser(doc.amounts), {
    exclude: opts.exclude,
    below: opts.below,
    wholeRow: true,
  });
}

/**
 * The candidate closest above row `limit` (a subtotal or tax line sits just over the total);
 * when none is above, the closest below it but above `floor` (tax "included" lines print
 * under the total). Without a limit, the best-labelled one above `floor`.
 */
export function nearestTo<T>(
  cands: Candidate<T>[],
  limit?: number,
  floor = Number.POSITIVE_INFINITY,
): Candidate<T> | null {
  const row = (c: Candidate<T>) => c.hit?.row.index ?? -1;
  if (limit === undefined) return cands.find((c) => row(c) < floor) ?? null;
  const above = cands.filter((c) => row(c) < limit).sort((a, b) => row(b) - row(a));
  if (above[0]) return above[0];
  return cands.filter((c) => row(c) > limit && row(c) < floor).sort((a, b) => row(a) - row(b))[0] ?? null;
}

/**
 * When the document's own arithmetic holds (addends sum to `total` within a cent), each of
 * the figures is confirmed by the others: its confidence is raised to just under the
 * weakest of them. A total OCR read at 0.5 that equals subtotal + tax read at 0.95 is as
 * good as those two. Figures that do not add up lose some confidence, and the validator
 * reports the sum.
 */
export function corroborateSum(fields: ExtractedFields, addends: string[], total: string): void {
  const names = [...addends, total];
  const group = names.map((n) => fields[n]);
  if (group.some((f) => !f || typeof f.value !== 'string')) return;
  const cents = group.map((f) => toCents(f!.value as string));
  if (cents.some(Number.isNaN)) return;
  const sum = cents.slice(0, -1).reduce((a, b) => a + b, 0);
  if (Math.abs(sum - cents.at(-1)!) > 1) {
    // The document's own arithmetic says one of these figures is misread, and not which:
    // none of them is as sure as its OCR alone would say ("153.35" read as "3.35" at 0.93).
    for (const name of names) {
      const f = fields[name]!;
      fields[name] = {
        ...f,
        confidence: Math.round(f.confidence * 0.7 * 1000) / 1000,
        flags: [...new Set([...(f.flags ?? []), 'arithmetic-disagrees'])],
      };
    }
    return;
  }
  names.forEach((name, i) => {
    const others = group.filter((_, j) => j !== i).map((f) => f!.confidence);
    const f = fields[name]!;
    const raised = Math.round(Math.max(f.confidence, 0.95 * Math.min(...others)) * 1000) / 1000;
    fields[name] = {
      ...f,
      confidence: raised,
      flags: [...new Set([...(f.flags ?? []), 'arithmetic-checked'])],
    };
  });
}

/**
 * OCR reads "$" as "5", "S" or "8" ("$32.17" as "532.17"). On a document that prints "$",
 * when the sum does not hold but does once one figure loses such a leading character, that
 * figure is repaired and flagged. A sum that is off for any other reason is left alone.
 */
export function repairDollarSign(
  doc: DocContext,
  fields: ExtractedFields,
  addends: string[],
  total: string,
): void {
  if (!/\$\s?\d/.test(doc.view.text)) return;
  const names = [...addends, total];
  if (names.some((n) => typeof fields[n]?.value !== 'string')) return;
  const cents = (n: string) => toCents(fields[n]!.value as string);
  const holds = (values: Map<string, number>) =>
    Math.abs(
      addends.reduce((a, n) => a + (values.get(n) ?? cents(n)), 0) - (values.get(total) ?? cents(total)),
    ) <= 1;
  if (holds(new Map())) return;
  for (const name of names) {
    const f = fields[name]!;
    const printed = f.evidence[0]?.text ?? '';
    if (!/^[5S8]\d/.test(printed)) continue;
    const repaired = parseAmount(printed.slice(1), doc.amounts);
    if (!repaired || !holds(new Map([[name, toCents(repaired.value)]]))) continue;
    fields[name] = {
      ...f,
      value: repaired.value,
      confidence: Math.round(f.confidence * 0.8 * 1000) / 1000,
      flags: [...new Set([...(f.flags ?? []), 'ocr-repaired'])],
    };
    return;
  }
}
