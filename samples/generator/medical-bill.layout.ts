import { formatDate, type Ymd } from './dates.ts';
import type { MedicalBillData } from './medical-bill.model.ts';
import { formatQuantity } from './money.ts';
import { BLACK, GREY, LIGHT, PAGE_SIZES, type PdfKit } from './pdf-kit.ts';
import type { Rng } from './prng.ts';
import { drawTable, numberPages } from './table.ts';

export interface BillShown {
  billDate: boolean;
  dueDate: boolean;
  account: boolean;
}

export type BillLayout = (kit: PdfKit, d: MedicalBillData, rng: Rng) => BillShown;

const M = 48;

export const billDateOf = (d: MedicalBillData) => (x: Ymd) => formatDate(x, d.dateStyle);

function labels(rng: Rng) {
  return {
    account: rng.pick(['Account Number', 'Account No.', 'Acct #', 'Patient Account']),
    service: rng.pick(['Date of Service', 'Service Date', 'Visit Date']),
    bill: rng.pick(['Statement Date', 'Bill Date', 'Date']),
    due: rng.pick(['Due Date', 'Payment Due', 'Please Pay By']),
    charges: rng.pick(['Total Charges', 'Total Billed', 'Gross Charges']),
    insurance: rng.pick(['Insurance Payments', 'Insurance Paid', 'Less: Insurance', 'Plan Paid']),
    due2: rng.pick(['Amount Due', 'Patient Balance', 'Balance Due', 'Patient Responsibility']),
  };
}

function rows(d: MedicalBillData, withDate: boolean): string[][] {
  const date = billDateOf(d);
  return d.items.map((i) => [
    ...(withDate ? [date(d.serviceDate)] : []),
    i.description,
    formatQuantity(i.qty),
    d.money.number(i.unit),
    d.money.number(i.amount),
  ]);
}

function summary(
  kit: PdfKit,
  d: MedicalBillData,
  L: ReturnType<typeof labels>,
  y: number,
  x: number,
): number {
  const W = kit.pageWidth;
  const lines: [string, string, boolean][] = [[L.charges, d.money.amount(d.totalCharges), false]];
  if (d.insurancePaid !== null) lines.push([L.insurance, d.money.amount(d.insurancePaid), false]);
  lines.push([L.due2, d.money.strong(d.amountDue), true]);
  let yy = y;
  for (const [label, value, strong] of lines) {
    if (strong) kit.line(x, yy - 12, W - M, yy - 12, 0.8);
    kit.text(label, x, yy, { font: strong ? 'sansBold' : 'sans', size: strong ? 11 : 10 });
    kit.text(value, W - M, yy, {
      font: strong ? 'sansBold' : 'sans',
      size: strong ? 11 : 10,
      align: 'right',
    });
    yy += 17;
  }
  return yy;
}

/** A US-style patient statement: summary box top right, table, and a remittance stub. */
export const statementLayout: BillLayout = (kit, d, rng) => {
  const size = PAGE_SIZES[d.locale.pageSize];
  kit.addPage(size);
  const W = kit.pageWidth;
  const L = labels(rng);
  const date = billDateOf(d);
  kit.text(d.provider, M, 58, { font: 'sansBold', size: 15 });
  d.providerAddress.forEach((line, i) => {
    kit.text(line, M, 74 + i * 11.5, { size: 9 });
  });
  kit.text(`Billing questions: ${d.providerPhone}`, M, 74 + d.providerAddress.length * 11.5, { size: 9 });
  kit.text('PATIENT STATEMENT', W - M, 58, { font: 'sansBold', size: 13, align: 'right' });
  const box: [string, string][] = [
    [L.bill, date(d.billDate)],
    [L.account, d.account],
    [L.due, date(d.dueDate)],
    [L.due2, d.money.strong(d.amountDue)],
  ];
  const bx = W - M - 210;
  kit.rect(bx, 70, 210, box.length * 16 + 10, { border: BLACK });
  box.forEach(([k, v], i) => {
    kit.text(k, bx + 8, 86 + i * 16, { font: 'sansBold', size: 9 });
    kit.text(v, W - M - 8, 86 + i * 16, { size: 9, align: 'right' });
  });
  let y = 160;
  kit.text('Patient', M, y, { size: 8, color: GREY });
  kit.text(d.patient, M, y + 13, { font: 'sansBold', size: 10.5 });
  d.patientAddress.forEach((line, i) => {
    kit.text(line, M, y + 26 + i * 12, { size: 9.5 });
  });
  if (d.insurer) {
    kit.text('Primary insurance', W / 2, y, { size: 8, color: GREY });
    kit.text(d.insurer, W / 2, y + 13, { size: 9.5 });
  }
  y += 70;
  const tw = W - 2 * M;
  y = drawTable(kit, {
    x: M,
    y,
    columns: [
      { header: L.service, width: 85, align: 'left' },
      { header: 'Description', width: tw - 85 - 215, align: 'left' },
      { header: 'Units', width: 40, align: 'right' },
      { header: 'Unit Charge', width: 80, align: 'right' },
      { header: 'Charges', width: 95, align: 'right' },
    ],
    rows: rows(d, true),
    style: {
      font: 'sans',
      headerFont: 'sansBold',
      size: 8.5,
      headerFill: LIGHT,
      rule: 'line',
      headerRule: false,
    },
    bottom: kit.pageHeight - 70,
    onBreak: () => {
      kit.addPage(size);
      kit.text(`${d.provider} - ${L.account} ${d.account} (continued)`, M, 50, { size: 9 });
      return 70;
    },
  });
  // The summary and the remittance stub belong together on the last page.
  if (y > kit.pageHeight - 250) {
    kit.addPage(size);
    kit.text(`${d.provider} - ${L.account} ${d.account} (continued)`, M, 50, { size: 9 });
    y = 70;
  }
  summary(kit, d, L, y + 24, W - M - 250);
  if (d.money.clue) kit.text(d.money.clue, M, y + 24, { size: 8.5, color: GREY });
  const stub = kit.pageHeight - 150;
  kit.line(20, stub, W - 20, stub, 0.6, GREY, [4, 3]);
  kit.text('Please detach and return this portion with your payment', M, stub + 16, { size: 8, color: GREY });
  kit.text(d.provider, M, stub + 36, { font: 'sansBold', size: 10 });
  kit.text(`${L.account}: ${d.account}`, M, stub + 52, { size: 9.5 });
  kit.text(`${L.due2}: ${d.money.strong(d.amountDue)}`, W - M, stub + 36, {
    font: 'sansBold',
    size: 10,
    align: 'right',
  });
  kit.text('Amount Enclosed: ____________', W - M, stub + 56, { size: 9.5, align: 'right' });
  numberPages(kit, 24);
  return { billDate: true, dueDate: true, account: true };
};

/** A private clinic's tax-invoice style bill: centred header, details grid, priced table. */
export const clinicLayout: BillLayout = (kit, d, rng) => {
  kit.addPage(PAGE_SIZES[d.locale.pageSize]);
  const W = kit.pageWidth;
  const L = labels(rng);
  const date = billDateOf(d);
  const showDue = rng.chance(0.5);
  kit.text(d.provider, W / 2, 56, { font: 'serifBold', size: 16, align: 'center' });
  d.providerAddress.forEach((line, i) => {
    kit.text(line, W / 2, 72 + i * 12, { font: 'serif', size: 9.5, align: 'center' });
  });
  let y = 72 + d.providerAddress.length * 12 + 26;
  kit.text(rng.pick(['MEDICAL BILL', 'TAX INVOICE', 'INVOICE / RECEIPT']), W / 2, y, {
    font: 'serifBold',
    size: 13,
    align: 'center',
  });
  y += 24;
  const grid: [string, string][] = [
    ['Patient Name', d.patient],
    [rng.pick(['Bill No.', L.account]), d.account],
    [L.service, date(d.serviceDate)],
    [L.bill, date(d.billDate)],
    ['Patient ID', d.mrn.replace('MRN ', '')],
  ];
  if (showDue) grid.push([L.due, date(d.dueDate)]);
  const half = (W - 2 * M) / 2;
  grid.forEach(([k, v], i) => {
    const x = M + (i % 2) * half;
    const yy = y + Math.floor(i / 2) * 16;
    kit.text(`${k}:`, x, yy, { font: 'serifBold', size: 10 });
    kit.text(v, x + 95, yy, { font: 'serif', size: 10 });
  });
  y += Math.ceil(grid.length / 2) * 16 + 14;
  const tw = W - 2 * M;
  y = drawTable(kit, {
    x: M,
    y,
    columns: [
      { header: 'Description', width: tw - 230, align: 'left' },
      { header: 'Qty', width: 45, align: 'right' },
      { header: 'Unit Price', width: 85, align: 'right' },
      {
        header: `Amount${d.money.mode === 'plain' ? ` (${d.money.currency})` : ''}`,
        width: 100,
        align: 'right',
      },
    ],
    rows: rows(d, false),
    style: { font: 'serif', headerFont: 'serifBold', size: 10, rule: 'none' },
    bottom: kit.pageHeight - 120,
    onBreak: () => {
      kit.addPage(PAGE_SIZES[d.locale.pageSize]);
      return 60;
    },
  });
  kit.line(M, y + 2, W - M, y + 2, 0.6);
  y = summary(kit, d, L, y + 24, W - M - 260);
  if (d.insurer) kit.text(`Insurer: ${d.insurer}`, M, y + 10, { font: 'serif', size: 9.5 });
  kit.text('This is a computer-generated bill. No signature is required.', M, y + 40, {
    font: 'serif',
    size: 8.5,
    color: GREY,
  });
  return { billDate: true, dueDate: showDue, account: true };
};

/** Itemised hospital bill: header line with the service date, long code table, summary last. */
export const itemisedLayout: BillLayout = (kit, d, rng) => {
  const size = PAGE_SIZES[d.locale.pageSize];
  kit.addPage(size);
  const W = kit.pageWidth;
  const L = labels(rng);
  const date = billDateOf(d);
  const showAccount = rng.chance(0.7);
  kit.baseFont = 'sans';
  kit.text('ITEMIZED BILL', W - M, 52, { font: 'sansBold', size: 14, align: 'right' });
  kit.text(d.provider, M, 52, { font: 'sansBold', size: 13 });
  kit.text(d.providerAddress.join(', '), M, 66, { size: 8.5 });
  kit.line(M, 76, W - M, 76, 0.8);
  const head: [string, string][] = [
    ['Patient', d.patient],
    [L.service, date(d.serviceDate)],
    [L.bill, date(d.billDate)],
  ];
  if (showAccount) head.push([L.account, d.account]);
  head.forEach(([k, v], i) => {
    kit.text(k, M + i * ((W - 2 * M) / head.length), 94, { size: 7.5, color: GREY });
    kit.text(v, M + i * ((W - 2 * M) / head.length), 107, { font: 'sansBold', size: 9.5 });
  });
  const tw = W - 2 * M;
  const y = drawTable(kit, {
    x: M,
    y: 125,
    columns: [
      { header: 'Code / Description', width: tw - 200, align: 'left' },
      { header: 'Qty', width: 40, align: 'right' },
      { header: 'Unit Charge', width: 75, align: 'right' },
      { header: 'Total', width: 85, align: 'right' },
    ],
    rows: rows(d, false),
    style: { font: 'mono', headerFont: 'sansBold', size: 8, rule: 'none', padding: 3 },
    bottom: kit.pageHeight - 70,
    onBreak: () => {
      kit.text('Continued on next page', W - M, kit.pageHeight - 44, {
        size: 8,
        align: 'right',
        color: GREY,
      });
      kit.addPage(size);
      kit.text(`${d.patient} - ${L.service} ${date(d.serviceDate)}`, M, 50, { size: 9 });
      return 64;
    },
  });
  let sy = y + 30;
  if (sy + 80 > kit.pageHeight - 60) {
    kit.text('Continued on next page', W - M, kit.pageHeight - 44, { size: 8, align: 'right', color: GREY });
    kit.addPage(size);
    kit.text(`${d.patient} - ${L.service} ${date(d.serviceDate)} - Summary`, M, 50, { size: 9 });
    sy = 90;
  }
  summary(kit, d, L, sy, W - M - 250);
  if (d.insurer) kit.text(`Billed to ${d.insurer}`, M, sy, { size: 8.5 });
  if (d.money.clue) kit.text(d.money.clue, M, sy + 13, { size: 8.5 });
  numberPages(kit, 30);
  return { billDate: true, dueDate: false, account: showAccount };
};

export const BILL_LAYOUTS = { statement: statementLayout, clinic: clinicLayout, itemised: itemisedLayout };
