import { formatDate, type Ymd } from './dates.ts';
import type { InvoiceData } from './invoice.model.ts';
import { formatQuantity } from './money.ts';
import { GREY, LIGHT, PAGE_SIZES, type PdfKit } from './pdf-kit.ts';
import type { Rng } from './prng.ts';
import { type Column, drawTable, numberPages } from './table.ts';

/** What a layout chose to print, so the truth lists only what is on the page. */
export interface InvoiceShown {
  dueDate: boolean;
}

export type InvoiceLayout = (kit: PdfKit, d: InvoiceData, rng: Rng) => InvoiceShown;

const M = 50;

export const dateOf = (d: InvoiceData) => (x: Ymd) => formatDate(x, d.dateStyle);

function qty(d: InvoiceData, thousandths: number): string {
  return formatQuantity(thousandths).replace('.', d.locale.numbers.decimal);
}

function title(d: InvoiceData): string {
  return ['AU', 'SG', 'MY'].includes(d.locale.id) ? 'TAX INVOICE' : 'INVOICE';
}

function rows(d: InvoiceData, order: 'desc-first' | 'qty-first'): string[][] {
  return d.items.map((i) =>
    order === 'desc-first'
      ? [i.description, qty(d, i.qty), d.money.number(i.unit), d.money.number(i.amount)]
      : [qty(d, i.qty), i.description, d.money.number(i.unit), d.money.number(i.amount)],
  );
}

/** Totals block at the right; moves to a fresh page when it would not fit. */
function totals(
  kit: PdfKit,
  y: number,
  lines: [string, string, boolean][],
  font: { regular: 'sans' | 'serif' | 'mono'; bold: 'sansBold' | 'serifBold' | 'monoBold' },
  onBreak: () => number,
): number {
  const W = kit.pageWidth;
  let yy = y + 18;
  if (yy + lines.length * 16 + 60 > kit.pageHeight - M) yy = onBreak();
  for (const [label, value, strong] of lines) {
    if (strong) kit.line(W - M - 220, yy - 11, W - M, yy - 11, 0.8);
    const f = strong ? font.bold : font.regular;
    kit.text(label, W - M - 220, yy, { font: f, size: strong ? 11 : 10 });
    kit.text(value, W - M, yy, { font: f, size: strong ? 11 : 10, align: 'right' });
    yy += 16;
  }
  return yy;
}

function continuation(kit: PdfKit, d: InvoiceData, label: string, size: [number, number]): () => number {
  return () => {
    kit.text('Continued on next page', kit.pageWidth - M, kit.pageHeight - 40, {
      size: 8,
      align: 'right',
      color: GREY,
    });
    kit.addPage(size);
    kit.text(d.vendor.name, M, 50, { font: 'sansBold', size: 11 });
    kit.text(`${label} ${d.number} (continued)`, kit.pageWidth - M, 50, { size: 9, align: 'right' });
    return 75;
  };
}

/** Vendor top-left, big title top-right, label-left/value-right meta block, shaded table header. */
export const classicLayout: InvoiceLayout = (kit, d, rng) => {
  const size = PAGE_SIZES[d.locale.pageSize];
  kit.addPage(size);
  const W = kit.pageWidth;
  const date = dateOf(d);
  const L = {
    number: rng.pick(['Invoice No.', 'Invoice #', 'Invoice Number']),
    date: rng.pick(['Date', 'Invoice Date', 'Issue Date']),
    due: rng.pick(['Due Date', 'Payment Due']),
    subtotal: rng.pick(['Subtotal', 'Net amount', 'Sub-total']),
    total: rng.pick(['Total', 'Total Due', 'Amount Due', 'Invoice Total']),
  };
  kit.text(d.vendor.name, M, 62, { font: 'sansBold', size: 15 });
  let y = 80;
  for (const line of [
    ...d.vendor.address,
    `Tel ${d.vendor.phone}`,
    d.vendor.email ?? '',
    d.vendor.taxId ?? '',
  ]) {
    if (!line) continue;
    kit.text(line, M, y, { size: 9 });
    y += 12;
  }
  kit.text(title(d), W - M, 66, { font: 'sansBold', size: 24, align: 'right', color: GREY });
  const meta: [string, string][] = [
    [L.number, d.number],
    [L.date, date(d.date)],
    [L.due, date(d.due)],
  ];
  if (d.poNumber) meta.push(['PO Number', d.poNumber]);
  let my = 100;
  for (const [label, value] of meta) {
    kit.text(label, W - M - 200, my, { font: 'sansBold', size: 9.5 });
    kit.text(value, W - M, my, { size: 9.5, align: 'right' });
    my += 15;
  }
  y = Math.max(y, my) + 22;
  kit.text(rng.pick(['Bill To', 'Invoice To', 'Customer']), M, y, { font: 'sansBold', size: 10 });
  y += 14;
  for (const line of [d.customer.name, d.customer.contact ?? '', ...d.customer.address]) {
    if (!line) continue;
    kit.text(line, M, y, { size: 9.5 });
    y += 12.5;
  }
  const tw = W - 2 * M;
  const columns: Column[] = [
    { header: 'Description', width: tw - 250, align: 'left' },
    { header: 'Qty', width: 50, align: 'right' },
    { header: 'Unit Price', width: 95, align: 'right' },
    { header: 'Amount', width: 105, align: 'right' },
  ];
  const onBreak = continuation(kit, d, L.number, size);
  y = drawTable(kit, {
    x: M,
    y: y + 18,
    columns,
    rows: rows(d, 'desc-first'),
    style: {
      font: 'sans',
      headerFont: 'sansBold',
      size: 9.5,
      headerFill: LIGHT,
      rule: 'line',
      headerRule: false,
    },
    bottom: kit.pageHeight - 70,
    onBreak,
  });
  y = totals(
    kit,
    y,
    [
      [L.subtotal, d.money.amount(d.subtotal), false],
      [d.taxLabel, d.money.amount(d.tax), false],
      [L.total, d.money.strong(d.total), true],
    ],
    { regular: 'sans', bold: 'sansBold' },
    onBreak,
  );
  y += 20;
  const foot = [`Payment terms: ${d.terms}`, d.bank, d.money.clue, 'Thank you for your business.'];
  for (const line of foot) {
    if (!line) continue;
    kit.text(line, M, y, { size: 9, color: GREY });
    y += 13;
  }
  numberPages(kit, 30);
  return { dueDate: true };
};

/** Grey band, a row of labels with values beneath, From / Billed To side by side. */
export const bandLayout: InvoiceLayout = (kit, d, rng) => {
  const size = PAGE_SIZES[d.locale.pageSize];
  kit.addPage(size);
  const W = kit.pageWidth;
  const date = dateOf(d);
  const showDue = rng.chance(0.75);
  const L = {
    number: rng.pick(['INVOICE NUMBER', 'INVOICE NO.', 'INVOICE #']),
    date: rng.pick(['ISSUE DATE', 'INVOICE DATE', 'DATE OF ISSUE']),
    due: rng.pick(['DUE DATE', 'PAYMENT DUE']),
    amount: rng.pick(['AMOUNT DUE', 'BALANCE DUE', 'TOTAL DUE']),
    subtotal: rng.pick(['Net amount', 'Subtotal', 'Total excl. tax']),
    total: rng.pick(['Total Due', 'Total', 'Amount Due', 'Balance Due']),
  };
  kit.rect(0, 0, W, 78, { fill: LIGHT });
  kit.text(d.vendor.name, M, 46, { font: 'sansBold', size: 17 });
  kit.text(title(d) === 'INVOICE' ? 'Invoice' : 'Tax Invoice', W - M, 48, { size: 22, align: 'right' });
  const cells: [string, string][] = [
    [L.number, d.number],
    [L.date, date(d.date)],
  ];
  if (showDue) cells.push([L.due, date(d.due)]);
  cells.push([L.amount, d.money.strong(d.total)]);
  const cw = (W - 2 * M) / cells.length;
  cells.forEach(([label, value], i) => {
    kit.text(label, M + i * cw, 108, { size: 7.5, color: GREY, font: 'sansBold' });
    kit.text(value, M + i * cw, 124, { size: 11, font: 'sansBold' });
  });
  kit.line(M, 138, W - M, 138, 0.5, GREY);
  const half = (W - 2 * M) / 2;
  let ly = 160;
  kit.text('From', M, ly, { size: 8, color: GREY, font: 'sansBold' });
  kit.text(rng.pick(['Billed To', 'Bill To', 'Client']), M + half, ly, {
    size: 8,
    color: GREY,
    font: 'sansBold',
  });
  ly += 15;
  let ry = ly;
  for (const line of [d.vendor.name, ...d.vendor.address, d.vendor.taxId ?? '', d.vendor.email ?? '']) {
    if (!line) continue;
    kit.text(line, M, ly, { size: 9.5 });
    ly += 12.5;
  }
  for (const line of [d.customer.name, ...d.customer.address, d.poNumber ? `Your ref: ${d.poNumber}` : '']) {
    if (!line) continue;
    kit.text(line, M + half, ry, { size: 9.5 });
    ry += 12.5;
  }
  const tw = W - 2 * M;
  const onBreak = continuation(kit, d, 'Invoice', size);
  let y = drawTable(kit, {
    x: M,
    y: Math.max(ly, ry) + 20,
    columns: [
      { header: 'Description', width: tw - 240, align: 'left' },
      { header: 'Qty', width: 50, align: 'right' },
      { header: 'Rate', width: 90, align: 'right' },
      { header: 'Line Total', width: 100, align: 'right' },
    ],
    rows: rows(d, 'desc-first'),
    style: { font: 'sans', headerFont: 'sansBold', size: 9, rule: 'line', headerColor: GREY },
    bottom: kit.pageHeight - 70,
    onBreak,
  });
  y = totals(
    kit,
    y,
    [
      [L.subtotal, d.money.amount(d.subtotal), false],
      [d.taxLabel, d.money.amount(d.tax), false],
      [L.total, d.money.strong(d.total), true],
    ],
    { regular: 'sans', bold: 'sansBold' },
    onBreak,
  );
  y += 24;
  kit.text(`Terms: ${d.terms}`, M, y, { size: 9 });
  kit.text(`Please pay to: ${d.bank}`, M, y + 13, { size: 9 });
  if (d.money.clue) kit.text(d.money.clue, M, y + 26, { size: 9 });
  numberPages(kit, 30);
  return { dueDate: showDue };
};

/** Typewriter style: centred letterhead, "Label: value" lines, Courier table, dashed rules. */
export const plainLayout: InvoiceLayout = (kit, d, rng) => {
  const size = PAGE_SIZES[d.locale.pageSize];
  kit.addPage(size);
  const W = kit.pageWidth;
  const date = dateOf(d);
  const L = {
    number: rng.pick(['Invoice #:', 'Invoice No:', 'Invoice Number:']),
    date: rng.pick(['Date:', 'Invoice Date:', 'Dated:']),
    due: rng.pick(['Payment Due:', 'Due Date:', 'Due:']),
    subtotal: rng.pick(['Subtotal', 'Net amount', 'Goods total']),
    total: rng.pick(['Balance Due', 'TOTAL', 'Amount Due', 'Total Payable']),
  };
  kit.text(d.vendor.name, W / 2, 60, { font: 'serifBold', size: 18, align: 'center' });
  let y = 78;
  for (const line of d.vendor.address) {
    kit.text(line, W / 2, y, { font: 'serif', size: 10, align: 'center' });
    y += 12.5;
  }
  kit.text(`Phone ${d.vendor.phone}   ${d.vendor.email}`, W / 2, y, {
    font: 'serif',
    size: 9,
    align: 'center',
  });
  y += 10;
  kit.line(M, y, W - M, y, 1);
  y += 30;
  kit.text(title(d), M, y, { font: 'serifBold', size: 20 });
  y += 24;
  const meta: [string, string][] = [
    [L.number, d.number],
    [L.date, date(d.date)],
    [L.due, date(d.due)],
  ];
  if (d.vendor.taxId) meta.push(['', d.vendor.taxId]);
  for (const [label, value] of meta) {
    if (label) {
      kit.text(label, M, y, { font: 'serifBold', size: 11 });
      kit.text(value, M + kit.width(label, 'serifBold', 11) + 6, y, { font: 'serif', size: 11 });
    } else {
      kit.text(value, M, y, { font: 'serif', size: 10 });
    }
    y += 15;
  }
  let cy = y - 15 * meta.length;
  kit.text(rng.pick(['Sold To:', 'Customer:', 'Invoice To:']), W / 2 + 20, cy, {
    font: 'serifBold',
    size: 11,
  });
  cy += 15;
  for (const line of [d.customer.name, ...d.customer.address]) {
    kit.text(line, W / 2 + 20, cy, { font: 'serif', size: 10.5 });
    cy += 13;
  }
  const tw = W - 2 * M;
  const onBreak = continuation(kit, d, 'Invoice', size);
  y = drawTable(kit, {
    x: M,
    y: Math.max(y, cy) + 20,
    columns: [
      { header: 'Qty', width: 45, align: 'right' },
      { header: 'Description', width: tw - 235, align: 'left' },
      { header: 'Unit Price', width: 90, align: 'right' },
      { header: 'Total', width: 100, align: 'right' },
    ],
    rows: rows(d, 'qty-first'),
    style: { font: 'mono', headerFont: 'monoBold', size: 9, rule: 'dashed' },
    bottom: kit.pageHeight - 70,
    onBreak,
  });
  y = totals(
    kit,
    y,
    [
      [L.subtotal, d.money.amount(d.subtotal), false],
      [d.taxLabel, d.money.amount(d.tax), false],
      [L.total, d.money.strong(d.total), true],
    ],
    { regular: 'mono', bold: 'monoBold' },
    onBreak,
  );
  y += 24;
  for (const line of [d.money.clue, `Terms: ${d.terms}`, `Remit to: ${d.bank}`]) {
    if (!line) continue;
    kit.text(line, M, y, { font: 'serif', size: 10 });
    y += 14;
  }
  numberPages(kit, 30);
  return { dueDate: true };
};

export const INVOICE_LAYOUTS = { classic: classicLayout, band: bandLayout, plain: plainLayout };
