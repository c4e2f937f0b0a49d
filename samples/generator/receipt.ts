import { RECEIPT_CATALOG, RECEIPT_KINDS } from './catalog.ts';
import { asInstant, type DateStyle, formatDate, iso, randomDate } from './dates.ts';
import { buildItems, type Item, type ItemColumns, truthItems } from './items.ts';
import { LOCALES, type Locale, type LocaleId, MoneyFormat, taxLabel } from './locale.ts';
import { type Cents, canonical, formatQuantity, percentOf, sum } from './money.ts';
import { address, companyName, joinAddress, personName, phone } from './names.ts';
import { PdfKit } from './pdf-kit.ts';
import type { Rng } from './prng.ts';
import { Tape } from './tape.ts';
import type { DocGenerator, DocRequest, Printed } from './types.ts';

/** Countries whose shop prices include VAT/GST: the tax shows as a breakdown under the total. */
const INCLUSIVE: readonly LocaleId[] = ['UK', 'IE', 'DE', 'FR', 'NL', 'AU'];
const RECEIPT_LOCALES: readonly LocaleId[] = ['MY', 'MY', 'US', 'UK', 'DE', 'AU', 'SG', 'CA', 'FR'];

const SHOP_WORD: Record<string, string[]> = {
  Mart: ['Mini Market', 'Supermarket', 'Mart'],
  Hardware: ['Hardware', 'Hardware & Tools'],
  Cafe: ['Cafe', 'Coffee House', 'Kitchen'],
  Pharmacy: ['Pharmacy', 'Chemist'],
  Stationery: ['Stationery', 'Book & Stationery'],
};

interface ReceiptData {
  locale: Locale;
  money: MoneyFormat;
  name: string;
  regNo: string | null;
  address: string[];
  phone: string;
  dateStyle: DateStyle;
  date: ReturnType<typeof randomDate>;
  time: string;
  receiptNo: string;
  cashier: string;
  items: Item[];
  inclusive: boolean;
  taxLabel: string;
  tax: Cents;
  subtotal: Cents;
  total: Cents;
  cash: Cents | null;
}

function receiptData(req: DocRequest): ReceiptData {
  const rng = req.rng;
  const locale = LOCALES[req.locale ?? rng.pick(RECEIPT_LOCALES)];
  const kind = rng.pick(RECEIPT_KINDS);
  const name = companyName(rng, locale.id, rng.pick(SHOP_WORD[kind] ?? ['Store'])).toUpperCase();
  const catalog = RECEIPT_CATALOG[kind] ?? [];
  const items = buildItems(rng, catalog, rng.int(2, Math.min(8, catalog.length)), locale.currency);
  const lines = sum(items.map((i) => i.amount));
  const rate = rng.pick(locale.tax.rates);
  const inclusive = INCLUSIVE.includes(locale.id);
  // Inclusive prices: the tax is the part of the gross that is tax, gross * r / (100 + r).
  const tax = inclusive ? Math.round((lines * rate) / (100 + rate)) : percentOf(lines, rate);
  const total = inclusive ? lines : lines + tax;
  const cash = rng.chance(0.75) ? tendered(rng, total) : null;
  return {
    locale,
    money: new MoneyFormat(locale, 'plain'),
    name,
    regNo: locale.id === 'MY' ? `(${rng.digits(6)}-${rng.letters(1)})` : null,
    address: address(rng, locale.id, false).lines,
    phone: phone(rng, locale.id),
    dateStyle: rng.pick(locale.receiptDateStyles),
    date: randomDate(rng),
    time: `${String(rng.int(8, 21)).padStart(2, '0')}:${String(rng.int(0, 59)).padStart(2, '0')}`,
    receiptNo: rng.pick([rng.digits(6), `R${rng.digits(8)}`, `${rng.int(1, 9)}-${rng.digits(5)}`]),
    cashier: personName(rng, locale.id).split(' ')[0] ?? 'Staff',
    items,
    inclusive,
    taxLabel: taxLabel(rng, locale, rate),
    tax,
    subtotal: lines,
    total,
    cash,
  };
}

/** Cash handed over: the next note or round figure above the total. */
function tendered(rng: Rng, total: Cents): Cents {
  const notes = [500, 1000, 2000, 5000, 10000, 20000];
  const above = notes.filter((n) => n >= total);
  if (above.length === 0 || rng.chance(0.2)) return Math.ceil(total / 100) * 100;
  return rng.pick(above.slice(0, 2));
}

/** The total names its currency when '$' or bare digits would leave it open. */
function totalText(d: ReceiptData): string {
  const n = d.money.number(d.total);
  if (d.locale.symbol === '$' && d.locale.id !== 'US') return `${d.locale.currency} ${n}`;
  return d.locale.symbolAfter
    ? `${n} ${d.locale.symbol}`
    : `${d.locale.symbol}${d.locale.symbol === 'RM' ? ' ' : ''}${n}`;
}

type ReceiptLayout = (
  tape: Tape,
  d: ReceiptData,
  rng: Rng,
) => { printsSubtotal: boolean; items: ItemColumns };

function header(tape: Tape, d: ReceiptData, rng: Rng, align: 'center' | 'left') {
  const put = (text: string, bold = false) =>
    align === 'center' ? tape.center(text, { bold }) : tape.left(text, { bold });
  put(d.name, true);
  if (d.regNo) put(d.regNo);
  for (const line of d.address) put(line);
  put(`Tel: ${d.phone}`);
  if (d.locale.id === 'MY') put(`SST ID: W10-${rng.digits(4)}-${rng.digits(8)}`);
}

function tail(tape: Tape, d: ReceiptData, rng: Rng) {
  if (d.cash !== null) {
    tape.row(rng.pick(['CASH', 'Cash Tendered', 'TENDERED']), d.money.number(d.cash));
    tape.row(rng.pick(['CHANGE', 'Change Due']), d.money.number(d.cash - d.total));
  } else {
    tape.row(`${rng.pick(['VISA', 'MASTERCARD', 'DEBIT'])} ****${rng.digits(4)}`, d.money.number(d.total));
    tape.left(`AUTH CODE ${rng.digits(6)}`);
  }
}

function taxBlock(tape: Tape, d: ReceiptData, rng: Rng, totalLabel: string) {
  if (d.inclusive) {
    tape.row(totalLabel, totalText(d), { bold: true, size: tape.size + 1 });
    tape.row(`${d.taxLabel} ${rng.pick(['included', 'incl.'])}`, d.money.number(d.tax));
    return false;
  }
  tape.row(rng.pick(['SUBTOTAL', 'Sub Total', 'SUB-TOTAL']), d.money.number(d.subtotal));
  tape.row(d.taxLabel, d.money.number(d.tax));
  tape.row(totalLabel, totalText(d), { bold: true, size: tape.size + 1 });
  return true;
}

/** Monospaced till roll: item name on one line, "qty x price" and amount below. */
const tillLayout: ReceiptLayout = (tape, d, rng) => {
  header(tape, d, rng, 'center');
  tape.gap();
  tape.center(rng.pick(['TAX INVOICE', 'RECEIPT', 'SALES RECEIPT']), { bold: true });
  tape.row(`Date: ${formatDate(d.date, d.dateStyle)}`, d.time);
  tape.row(`Receipt: ${d.receiptNo}`, `Cashier: ${d.cashier}`);
  tape.rule();
  for (const i of d.items) {
    tape.left(i.description);
    tape.row(`  ${formatQuantity(i.qty)} x ${d.money.number(i.unit)}`, d.money.number(i.amount));
  }
  tape.rule();
  const printsSubtotal = taxBlock(tape, d, rng, rng.pick(['TOTAL', 'GRAND TOTAL', 'TOTAL DUE']));
  tail(tape, d, rng);
  tape.rule();
  tape.center(rng.pick(['THANK YOU. PLEASE COME AGAIN', 'THANK YOU FOR SHOPPING WITH US']));
  tape.center('GOODS SOLD ARE NOT RETURNABLE');
  return { printsSubtotal, items: 'qty-price' };
};

/** Narrow sans columns QTY / ITEM / AMOUNT, header flush left. */
const columnsLayout: ReceiptLayout = (tape, d, rng) => {
  header(tape, d, rng, 'left');
  tape.gap();
  tape.left(`${formatDate(d.date, d.dateStyle)} ${d.time}   #${d.receiptNo}`);
  tape.rule('_');
  const amountX = tape.right - 52;
  tape.row('QTY ITEM', 'AMOUNT', { bold: true, mid: ['PRICE', amountX] });
  for (const i of d.items) {
    tape.row(`${formatQuantity(i.qty).padEnd(3)} ${i.description}`, d.money.number(i.amount), {
      mid: [d.money.number(i.unit), amountX],
    });
  }
  tape.rule('_');
  const printsSubtotal = taxBlock(tape, d, rng, rng.pick(['TOTAL', 'AMOUNT DUE', 'Total']));
  tail(tape, d, rng);
  tape.gap(6);
  tape.center(`Served by ${d.cashier}`);
  tape.center('Thank you!');
  return { printsSubtotal, items: 'qty-price' };
};

/** Cafe docket: "2 Flat White  8.40", no unit price column. */
const docketLayout: ReceiptLayout = (tape, d, rng) => {
  header(tape, d, rng, 'center');
  tape.rule('=');
  tape.row(`Table ${rng.int(1, 24)}`, `Order ${d.receiptNo}`);
  tape.row(formatDate(d.date, d.dateStyle), d.time);
  tape.rule('=');
  for (const i of d.items) tape.row(`${formatQuantity(i.qty)} ${i.description}`, d.money.number(i.amount));
  tape.rule();
  const printsSubtotal = taxBlock(tape, d, rng, rng.pick(['TOTAL', 'Total', 'TOTAL DUE']));
  tail(tape, d, rng);
  tape.rule('=');
  tape.center(`You were served by ${d.cashier}`);
  return { printsSubtotal, items: 'qty' };
};

const LAYOUTS = { till: tillLayout, columns: columnsLayout, docket: docketLayout };
type LayoutName = keyof typeof LAYOUTS;
const NAMES = Object.keys(LAYOUTS) as LayoutName[];

export const receiptGenerator: DocGenerator = {
  docType: 'receipt',
  layouts: NAMES,
  async generate(req) {
    const rng = req.rng;
    const layout = (req.layout ?? rng.pick(NAMES)) as LayoutName;
    const d = receiptData(req);
    const tape = layout === 'columns' ? new Tape(undefined, undefined, 'sans', 'sansBold', 7.5) : new Tape();
    const shown = LAYOUTS[layout](tape, d, rng.fork('layout'));
    const kit = await PdfKit.create({
      title: `Receipt ${d.receiptNo}`,
      author: d.name,
      date: asInstant(d.date, 12),
    });
    tape.render(kit);
    const fields: Record<string, unknown> = {
      merchantName: d.name,
      // Receipts keep the address as printed, a line break read as a space (schemas/documents.ts).
      merchantAddress: joinAddress(d.address, ' '),
      date: iso(d.date),
      currency: d.locale.currency,
      ...(shown.printsSubtotal ? { subtotal: canonical(d.subtotal) } : {}),
      taxAmount: canonical(d.tax),
      total: canonical(d.total),
      lineItems: truthItems(d.items, shown.items),
    };
    const printed: Printed = {
      merchantName: d.name,
      merchantAddress: d.address,
      date: formatDate(d.date, d.dateStyle),
      ...(shown.printsSubtotal ? { subtotal: d.money.number(d.subtotal) } : {}),
      taxAmount: d.money.number(d.tax),
      total: d.money.number(d.total),
    };
    return {
      docType: 'receipt',
      layout: `receipt/${layout}`,
      locale: d.locale.id,
      fields,
      printed,
      pdf: await kit.save(),
      pages: 1,
    };
  },
};
