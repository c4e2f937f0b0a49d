import { fromCents, toCents } from '../extractors/parse/amount.ts';
import { ISO_4217 } from '../extractors/parse/currency.ts';
import type { DocType, ExtractedFields } from '../schemas/common.ts';
import { DOCUMENT_SCHEMAS } from '../schemas/documents.ts';
import type { ReviewReason } from '../schemas/record.ts';

export interface ValidateOptions {
  /** "Today" for the plausible-date window. Default: the current time. */
  today?: Date;
  /** Earliest plausible date on a document. Default '1990-01-01'. */
  earliest?: string;
  /** How far past today a date may lie, in days (due dates, periods ending soon). Default 366. */
  daysAhead?: number;
}

/** Amounts may disagree by this much (cents) before a sum counts as wrong: one cent of rounding. */
const TOLERANCE = 1;

type Canonical = Record<string, unknown>;

const money = (c: Canonical, name: string): number | null => {
  const v = c[name];
  if (typeof v !== 'string') return null;
  const cents = toCents(v);
  return Number.isNaN(cents) ? null : cents;
};
const text = (c: Canonical, name: string): string | null =>
  typeof c[name] === 'string' ? (c[name] as string) : null;

const rule = (fields: string[], message: string): ReviewReason => ({ code: 'rule-failed', fields, message });

/**
 * Checks extracted fields as a reviewer would: each value against the document's zod schema
 * ('invalid-field', one reason per field), then the arithmetic and dates across fields
 * ('rule-failed', naming the fields and the numbers), then dates whose day and month could
 * not be told apart ('ambiguous-date'). Returns an empty list for a clean document.
 */
export function validateFields(
  docType: DocType,
  fields: ExtractedFields,
  opts: ValidateOptions = {},
): ReviewReason[] {
  const canonical: Canonical = {};
  for (const [name, f] of Object.entries(fields)) {
    if (f.value !== undefined && f.value !== null && f.value !== '') canonical[name] = f.value;
  }
  const reasons: ReviewReason[] = [...schemaReasons(docType, canonical)];
  reasons.push(...currencyRule(canonical));
  reasons.push(...dateRules(docType, canonical, opts));
  reasons.push(...moneyRules(docType, canonical));
  for (const [name, f] of Object.entries(fields)) {
    if (!f.flags?.includes('ambiguous-date-order')) continue;
    const source = f.evidence[0]?.text ?? String(f.value);
    reasons.push({
      code: 'ambiguous-date',
      fields: [name],
      message: `${name} was printed as "${source}" and read as ${String(f.value)}, but nothing on the document shows whether the day or the month comes first.`,
    });
  }
  return reasons;
}

function schemaReasons(docType: DocType, canonical: Canonical): ReviewReason[] {
  const parsed = DOCUMENT_SCHEMAS[docType].safeParse(canonical);
  if (parsed.success) return [];
  const byField = new Map<string, string[]>();
  for (const issue of parsed.error.issues) {
    const name = String(issue.path[0] ?? '');
    const where = issue.path.length > 1 ? ` (at ${issue.path.slice(1).join('.')})` : '';
    const list = byField.get(name) ?? [];
    list.push(`${issue.message}${where}`);
    byField.set(name, list);
  }
  return [...byField].map(([name, problems]) => ({
    code: 'invalid-field' as const,
    fields: name ? [name] : [],
    message:
      canonical[name] === undefined
        ? `${name || 'The document'} is required but was not found.`
        : `${name} ${JSON.stringify(canonical[name])} is not valid: ${problems.join('; ')}.`,
  }));
}

function currencyRule(c: Canonical): ReviewReason[] {
  const code = text(c, 'currency');
  if (code === null || ISO_4217.has(code)) return [];
  return [rule(['currency'], `currency "${code}" is not an ISO 4217 currency code.`)];
}

function dateRules(docType: DocType, c: Canonical, opts: ValidateOptions): ReviewReason[] {
  const out: ReviewReason[] = [];
  const today = opts.today ?? new Date();
  const latest = new Date(today.getTime() + (opts.daysAhead ?? 366) * 86_400_000).toISOString().slice(0, 10);
  const earliest = opts.earliest ?? '1990-01-01';
  const shape = DOCUMENT_SCHEMAS[docType].shape as Record<string, unknown>;
  for (const name of Object.keys(shape)) {
    const v = text(c, name);
    if (v === null || !/^\d{4}-\d{2}-\d{2}$/.test(v) || /year/i.test(name)) continue;
    if (v < earliest || v > latest) {
      out.push(rule([name], `${name} ${v} is outside the plausible range ${earliest} to ${latest}.`));
    }
  }
  const order = (a: string, b: string, what: string) => {
    const x = text(c, a);
    const y = text(c, b);
    if (x && y && y < x) out.push(rule([a, b], `${b} ${y} is before ${a} ${x}: ${what}.`));
  };
  order('invoiceDate', 'dueDate', 'payment cannot fall due before the invoice is issued');
  order('billDate', 'dueDate', 'payment cannot fall due before the bill is issued');
  order('serviceDate', 'billDate', 'a bill is issued after the service');
  order('payPeriodStart', 'payPeriodEnd', 'the pay period ends before it starts');
  order('incidentDate', 'claimDate', 'a claim is made after the incident');
  const year = text(c, 'taxYear');
  if (year !== null && /^\d{4}$/.test(year)) {
    const y = Number(year);
    if (y < Number(earliest.slice(0, 4)) || y > today.getFullYear()) {
      out.push(
        rule(
          ['taxYear'],
          `taxYear ${year} is not plausible: it must lie between ${earliest.slice(0, 4)} and ${today.getFullYear()}.`,
        ),
      );
    }
  }
  return out;
}

function moneyRules(docType: DocType, c: Canonical): ReviewReason[] {
  const out: ReviewReason[] = [];
  const subtotal = money(c, 'subtotal');
  const tax = money(c, 'taxAmount');
  const total = money(c, 'total');
  if (subtotal !== null && tax !== null && total !== null && Math.abs(subtotal + tax - total) > TOLERANCE) {
    out.push(
      rule(
        ['subtotal', 'taxAmount', 'total'],
        `subtotal ${fromCents(subtotal)} + taxAmount ${fromCents(tax)} = ${fromCents(subtotal + tax)}, but total is ${fromCents(total)} (off by ${fromCents(total - subtotal - tax)}).`,
      ),
    );
  }
  const items = Array.isArray(c.lineItems) ? (c.lineItems as Record<string, unknown>[]) : null;
  if (items && items.length > 0) {
    const amounts = items.map((i) => (typeof i.amount === 'string' ? toCents(i.amount) : Number.NaN));
    const target: [string, number | null] =
      docType === 'medical_bill'
        ? ['totalCharges', money(c, 'totalCharges')]
        : subtotal !== null
          ? ['subtotal', subtotal]
          : ['total', total];
    const sum = amounts.reduce((a, b) => a + b, 0);
    if (target[1] !== null && !Number.isNaN(sum) && Math.abs(sum - target[1]) > TOLERANCE) {
      out.push(
        rule(
          ['lineItems', target[0]],
          `the ${items.length} line items add up to ${fromCents(sum)}, but ${target[0]} is ${fromCents(target[1])} (off by ${fromCents(target[1] - sum)}).`,
        ),
      );
    }
    items.forEach((item, i) => {
      const q = typeof item.quantity === 'string' ? Number(item.quantity) : null;
      const unit = typeof item.unitPrice === 'string' ? toCents(item.unitPrice) : null;
      if (q === null || unit === null || Number.isNaN(q) || Number.isNaN(unit) || Number.isNaN(amounts[i]!))
        return;
      const expected = Math.round(q * unit);
      if (Math.abs(expected - amounts[i]!) > TOLERANCE) {
        out.push(
          rule(
            ['lineItems'],
            `line item ${i + 1} ("${String(item.description ?? '')}"): quantity ${item.quantity} × unit price ${item.unitPrice} = ${fromCents(expected)}, but its amount is ${item.amount}.`,
          ),
        );
      }
    });
  }
  const gross = money(c, 'grossPay');
  const net = money(c, 'netPay');
  const deductions = money(c, 'totalDeductions');
  if (gross !== null && net !== null && net > gross) {
    out.push(
      rule(['netPay', 'grossPay'], `netPay ${fromCents(net)} is more than grossPay ${fromCents(gross)}.`),
    );
  }
  if (
    gross !== null &&
    net !== null &&
    deductions !== null &&
    Math.abs(gross - deductions - net) > TOLERANCE
  ) {
    out.push(
      rule(
        ['grossPay', 'totalDeductions', 'netPay'],
        `grossPay ${fromCents(gross)} − totalDeductions ${fromCents(deductions)} = ${fromCents(gross - deductions)}, but netPay is ${fromCents(net)} (off by ${fromCents(net - gross + deductions)}).`,
      ),
    );
  }
  return out;
}
