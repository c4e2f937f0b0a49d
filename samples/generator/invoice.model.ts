import { INVOICE_CATALOG, INVOICE_INDUSTRIES } from './catalog.ts';
import { addDays, type DateStyle, iso, randomDate, type Ymd } from './dates.ts';
import { buildItems, type Item, truthItems } from './items.ts';
import { LOCALE_IDS, LOCALES, type Locale, MoneyFormat, taxLabel } from './locale.ts';
import { type Cents, canonical, percentOf, sum } from './money.ts';
import { address, companyName, joinAddress, personName, phone } from './names.ts';
import type { Rng } from './prng.ts';
import type { DocRequest, Printed } from './types.ts';

export interface Party {
  name: string;
  address: string[];
  phone?: string;
  email?: string;
  taxId?: string;
  contact?: string;
}

export interface InvoiceData {
  locale: Locale;
  money: MoneyFormat;
  dateStyle: DateStyle;
  vendor: Party;
  customer: Party;
  number: string;
  date: Ymd;
  due: Ymd;
  terms: string;
  poNumber: string | null;
  items: Item[];
  subtotal: Cents;
  taxRate: number;
  taxLabel: string;
  tax: Cents;
  /** What the page says the total is; differs from subtotal + tax only for the flawed case. */
  total: Cents;
  bank: string;
}

const TAX_ID: Partial<Record<string, (r: Rng) => string>> = {
  UK: (r) => `VAT Reg No. GB ${r.digits(3)} ${r.digits(4)} ${r.digits(2)}`,
  IE: (r) => `VAT No. IE${r.digits(7)}${r.letters(1)}`,
  DE: (r) => `VAT ID: DE${r.digits(9)}`,
  FR: (r) => `VAT No. FR${r.digits(11)}`,
  NL: (r) => `VAT No. NL${r.digits(9)}B01`,
  MY: (r) => `SST Reg No: W10-${r.digits(4)}-${r.digits(8)}`,
  SG: (r) => `GST Reg No. M2-${r.digits(7)}-${r.int(0, 9)}`,
  AU: (r) => `ABN ${r.digits(2)} ${r.digits(3)} ${r.digits(3)} ${r.digits(3)}`,
  CA: (r) => `GST/HST No. ${r.digits(9)} RT0001`,
};

const NUMBER_FORMATS: ((r: Rng, d: Ymd) => string)[] = [
  (r, d) => `INV-${d.y}-${r.digits(4)}`,
  (r) => r.digits(5),
  (r, d) => `${d.y}/${r.digits(3)}`,
  (r) => `SI-${String(r.int(1000, 99999)).padStart(6, '0')}`,
  (r, d) => `F${d.y}-${r.digits(4)}`,
];

export function invoiceData(req: DocRequest): InvoiceData {
  const rng = req.rng;
  const locale = LOCALES[req.locale ?? rng.pick(LOCALE_IDS)];
  // A long invoice is a month of consignments: many distinct rows, as real ones have.
  const industry = req.long ? 'Logistics' : rng.pick(INVOICE_INDUSTRIES);
  const vendorName = companyName(rng, locale.id, industry);
  const domain =
    vendorName
      .split(' ')[0]
      ?.toLowerCase()
      .replace(/[^a-z]/g, '') || 'vendor';
  const taxId = TAX_ID[locale.id]?.(rng);
  const vendor: Party = {
    name: vendorName,
    address: address(rng, locale.id).lines,
    phone: phone(rng, locale.id),
    email: `accounts@${domain}.example`,
    ...(taxId ? { taxId } : {}),
  };
  const customer: Party = {
    name: companyName(rng, locale.id),
    address: address(rng, locale.id).lines,
    contact: `Attn: ${personName(rng, locale.id)}`,
  };
  const date = randomDate(rng);
  const days = rng.pick([14, 30, 30, 45, 60]);
  const catalog = INVOICE_CATALOG[industry] ?? [];
  const count = req.long ? rng.int(40, 48) : rng.int(2, Math.min(7, catalog.length));
  const consignment = (r: Rng) => ` - CN ${r.digits(7)}`;
  const items = buildItems(rng, catalog, count, locale.currency, req.long ? consignment : undefined);
  const subtotal = sum(items.map((i) => i.amount));
  const taxRate = rng.pick(locale.tax.rates);
  const tax = percentOf(subtotal, taxRate);
  let total = subtotal + tax;
  if (req.flaw === 'total-mismatch') {
    // A transposition or a dropped line: the kind of slip a person makes when retyping.
    total += rng.pick([-1, 1]) * rng.pick([900, 1000, 4500, 10000]);
  }
  return {
    locale,
    money: MoneyFormat.pick(rng, locale),
    dateStyle: rng.pick(locale.dateStyles),
    vendor,
    customer,
    number: rng.pick(NUMBER_FORMATS)(rng, date),
    date,
    due: addDays(date, days),
    terms: rng.pick([`Net ${days}`, `Payment within ${days} days`, `${days} days from invoice date`]),
    poNumber: rng.chance(0.5) ? `PO-${rng.digits(6)}` : null,
    items,
    subtotal,
    taxRate,
    taxLabel: taxLabel(rng, locale, taxRate),
    tax,
    total,
    bank: bankLine(rng, locale),
  };
}

function bankLine(rng: Rng, locale: Locale): string {
  switch (locale.id) {
    case 'UK':
      return `Sort code ${rng.digits(2)}-${rng.digits(2)}-${rng.digits(2)}  Account ${rng.digits(8)}`;
    case 'US':
      return `ACH routing ${rng.digits(9)}  Account ${rng.digits(10)}`;
    case 'AU':
      return `BSB ${rng.digits(3)}-${rng.digits(3)}  Account ${rng.digits(8)}`;
    case 'MY':
      return `Maybank account ${rng.digits(12)}`;
    case 'CA':
      return `Transit ${rng.digits(5)}  Institution ${rng.digits(3)}  Account ${rng.digits(7)}`;
    case 'SG':
      return `DBS account ${rng.digits(3)}-${rng.digits(6)}-${rng.digits(1)}`;
    default:
      return `IBAN ${locale.id === 'IE' ? 'IE' : locale.id}${rng.digits(2)} ${rng.letters(4)} ${rng.digits(4)} ${rng.digits(4)} ${rng.digits(4)}`;
  }
}

/** Truth and printed forms; `printed` holds what each layout wrote, passed back by the layout. */
export function invoiceTruth(d: InvoiceData, shown: { dueDate: boolean }) {
  const fields: Record<string, unknown> = {
    vendorName: d.vendor.name,
    vendorAddress: joinAddress(d.vendor.address),
    invoiceNumber: d.number,
    invoiceDate: iso(d.date),
    ...(shown.dueDate ? { dueDate: iso(d.due) } : {}),
    currency: d.locale.currency,
    subtotal: canonical(d.subtotal),
    taxAmount: canonical(d.tax),
    total: canonical(d.total),
    lineItems: truthItems(d.items),
  };
  return fields;
}

export function invoicePrinted(
  d: InvoiceData,
  date: (x: Ymd) => string,
  shown: { dueDate: boolean },
): Printed {
  return {
    vendorName: d.vendor.name,
    vendorAddress: d.vendor.address,
    invoiceNumber: d.number,
    invoiceDate: date(d.date),
    ...(shown.dueDate ? { dueDate: date(d.due) } : {}),
    subtotal: d.money.number(d.subtotal),
    taxAmount: d.money.number(d.tax),
    total: d.money.number(d.total),
  };
}
