import { formatDate, type Ymd } from './dates.ts';
import type { PayLine, PayslipData } from './payslip.model.ts';
import { GREY, LIGHT, PAGE_SIZES, type PdfKit } from './pdf-kit.ts';
import type { Rng } from './prng.ts';

/** Which optional fields the layout printed, and the labels it used (for the report). */
export interface PayslipShown {
  employeeId: boolean;
  payDate: boolean;
  totalDeductions: boolean;
}

export type PayslipLayout = (kit: PdfKit, d: PayslipData, rng: Rng) => PayslipShown;

const M = 48;

export const payDateOf = (d: PayslipData) => (x: Ymd) => formatDate(x, d.dateStyle);

function labels(rng: Rng) {
  return {
    gross: rng.pick(['Gross Pay', 'Total Earnings', 'Gross Earnings', 'Total Gross']),
    deductions: rng.pick(['Total Deductions', 'Deductions Total']),
    net: rng.pick(['Net Pay', 'NET PAY', 'Take Home Pay', 'Net Salary']),
    id: rng.pick(['Employee ID', 'Employee No.', 'Emp #', 'Staff No.']),
    payDate: rng.pick(['Pay Date', 'Payment Date', 'Paid On']),
  };
}

/** Side-by-side Earnings and Deductions tables under a two-column details grid. */
export const gridLayout: PayslipLayout = (kit, d, rng) => {
  kit.addPage(PAGE_SIZES[d.locale.pageSize]);
  const W = kit.pageWidth;
  const L = labels(rng);
  const date = payDateOf(d);
  const m = d.money;
  kit.text(d.employer, M, 60, { font: 'sansBold', size: 14 });
  d.employerAddress.forEach((line, i) => {
    kit.text(line, M, 76 + i * 11, { size: 8.5 });
  });
  kit.text(d.title.toUpperCase(), W - M, 62, { font: 'sansBold', size: 18, align: 'right' });
  kit.text('Private & Confidential', W - M, 78, { size: 8, align: 'right', color: GREY });
  const top = 140;
  kit.rect(M, top - 14, W - 2 * M, 74, { border: GREY });
  const left: [string, string][] = [
    ['Employee Name', d.employee],
    [L.id, d.employeeId],
    ...d.extraIds.slice(0, 1),
  ];
  const right: [string, string][] = [
    ['Pay Period', `${date(d.start)} - ${date(d.end)}`],
    [L.payDate, date(d.payDate)],
    ...d.extraIds.slice(1, 2),
  ];
  const half = (W - 2 * M) / 2;
  left.forEach(([k, v], i) => {
    kit.text(k, M + 8, top + 4 + i * 16, { font: 'sansBold', size: 9 });
    kit.text(v, M + 100, top + 4 + i * 16, { size: 9 });
  });
  right.forEach(([k, v], i) => {
    kit.text(k, M + half + 8, top + 4 + i * 16, { font: 'sansBold', size: 9 });
    kit.text(v, M + half + 90, top + 4 + i * 16, { size: 9 });
  });
  const y0 = top + 90;
  const colW = half - 8;
  const table = (x: number, heading: string, rows: PayLine[], withUnits: boolean) => {
    kit.rect(x, y0, colW, 18, { fill: LIGHT });
    kit.text(heading, x + 6, y0 + 12.5, { font: 'sansBold', size: 9 });
    if (withUnits)
      kit.text('Hours', x + colW - 125, y0 + 12.5, { font: 'sansBold', size: 8, align: 'right' });
    if (withUnits) kit.text('Rate', x + colW - 75, y0 + 12.5, { font: 'sansBold', size: 8, align: 'right' });
    kit.text('Amount', x + colW - 6, y0 + 12.5, { font: 'sansBold', size: 8, align: 'right' });
    rows.forEach((r, i) => {
      const y = y0 + 33 + i * 15;
      kit.text(r.label, x + 6, y, { size: 8.5 });
      if (r.units) kit.text(r.units, x + colW - 125, y, { size: 8.5, align: 'right' });
      if (r.rate) kit.text(r.rate, x + colW - 75, y, { size: 8.5, align: 'right' });
      kit.text(m.number(r.amount), x + colW - 6, y, { size: 8.5, align: 'right' });
    });
    return y0 + 33 + rows.length * 15;
  };
  const ye = table(
    M,
    'Earnings',
    d.earnings,
    d.earnings.some((e) => e.units),
  );
  const yd = table(M + half + 8, 'Deductions', d.deductions, false);
  const y = Math.max(ye, yd) + 8;
  kit.line(M, y, W - M, y, 0.6);
  kit.text(L.gross, M + 6, y + 16, { font: 'sansBold', size: 9 });
  kit.text(m.number(d.gross), M + colW - 6, y + 16, { font: 'sansBold', size: 9, align: 'right' });
  kit.text(L.deductions, M + half + 14, y + 16, { font: 'sansBold', size: 9 });
  kit.text(m.number(d.totalDeductions), W - M - 6, y + 16, { font: 'sansBold', size: 9, align: 'right' });
  const ny = y + 44;
  kit.rect(W - M - 220, ny - 16, 220, 28, { fill: LIGHT, border: GREY });
  kit.text(L.net, W - M - 212, ny + 2, { font: 'sansBold', size: 12 });
  kit.text(m.strong(d.net), W - M - 8, ny + 2, { font: 'sansBold', size: 12, align: 'right' });
  kit.text(`Paid by bank transfer to account ending ${rng.digits(4)}`, M, ny + 2, { size: 8.5, color: GREY });
  if (m.clue) kit.text(m.clue, M, ny + 14, { size: 8.5, color: GREY });
  return { employeeId: true, payDate: true, totalDeductions: true };
};

/** One ledger-style table: earnings, then deductions, then the summary; details in boxes. */
export const ledgerLayout: PayslipLayout = (kit, d, rng) => {
  kit.addPage(PAGE_SIZES[d.locale.pageSize]);
  const W = kit.pageWidth;
  const L = labels(rng);
  const date = payDateOf(d);
  const m = d.money;
  const split = rng.chance(0.5);
  kit.text(d.employer, W / 2, 58, { font: 'serifBold', size: 16, align: 'center' });
  kit.text(d.employerAddress.join(', '), W / 2, 74, { font: 'serif', size: 9, align: 'center' });
  kit.text(d.title, W / 2, 104, { font: 'serifBold', size: 13, align: 'center' });
  const boxes: [string, string][] = [
    ['EMPLOYEE', d.employee],
    [L.id.toUpperCase(), d.employeeId],
    ...(split
      ? ([
          ['PERIOD START', date(d.start)],
          ['PERIOD END', date(d.end)],
        ] as [string, string][])
      : ([['PAY PERIOD', `${date(d.start)} to ${date(d.end)}`]] as [string, string][])),
    [L.payDate.toUpperCase(), date(d.payDate)],
  ];
  // The period box gets room for two dates; a long value steps down a size rather than spill.
  const weights = boxes.map(([k]) => (k === 'PAY PERIOD' ? 2.2 : 1));
  const unit = (W - 2 * M) / weights.reduce((a, b) => a + b, 0);
  let bx = M;
  boxes.forEach(([k, v], i) => {
    const bw = unit * (weights[i] ?? 1);
    kit.rect(bx, 120, bw, 36, { border: BLACKISH });
    kit.text(k, bx + 5, 131, { font: 'sans', size: 6.5, color: GREY });
    let size = 10;
    while (size > 6.5 && kit.width(v, 'serif', size) > bw - 10) size -= 0.5;
    kit.text(v, bx + 5, 148, { font: 'serif', size });
    bx += bw;
  });
  let y = 185;
  const amountX = W - M - 6;
  const ytdX = W - M - 110;
  const head = (t: string) => {
    kit.rect(M, y - 12, W - 2 * M, 17, { fill: LIGHT });
    kit.text(t, M + 6, y, { font: 'serifBold', size: 10 });
    kit.text('This Period', ytdX, y, { font: 'serifBold', size: 9, align: 'right' });
    kit.text('Year to Date', amountX, y, { font: 'serifBold', size: 9, align: 'right' });
    y += 18;
  };
  const rowOf = (r: PayLine) => {
    const label = r.units ? `${r.label} (${r.units} hrs @ ${r.rate})` : r.label;
    kit.text(label, M + 12, y, { font: 'serif', size: 10 });
    kit.text(m.number(r.amount), ytdX, y, { font: 'serif', size: 10, align: 'right' });
    kit.text(m.number(r.ytd), amountX, y, { font: 'serif', size: 10, align: 'right' });
    y += 15;
  };
  head('EARNINGS');
  d.earnings.forEach(rowOf);
  kit.text(L.gross, M + 12, y + 2, { font: 'serifBold', size: 10 });
  kit.text(m.number(d.gross), ytdX, y + 2, { font: 'serifBold', size: 10, align: 'right' });
  kit.text(m.number(d.ytdGross), amountX, y + 2, { font: 'serifBold', size: 10, align: 'right' });
  y += 28;
  head('DEDUCTIONS');
  d.deductions.forEach(rowOf);
  kit.text(L.deductions, M + 12, y + 2, { font: 'serifBold', size: 10 });
  kit.text(m.number(d.totalDeductions), ytdX, y + 2, { font: 'serifBold', size: 10, align: 'right' });
  y += 30;
  kit.line(M, y - 14, W - M, y - 14, 1);
  kit.text(L.net, M + 6, y + 4, { font: 'serifBold', size: 13 });
  kit.text(m.strong(d.net), ytdX, y + 4, { font: 'serifBold', size: 13, align: 'right' });
  kit.line(M, y + 12, W - M, y + 12, 1);
  y += 40;
  kit.text(`${d.employee}`, M, y, { font: 'serif', size: 9 });
  d.employeeAddress.forEach((line, i) => {
    kit.text(line, M, y + 12 + i * 11, { font: 'serif', size: 9 });
  });
  if (m.clue) kit.text(m.clue, W - M, y, { font: 'serif', size: 9, align: 'right' });
  return { employeeId: true, payDate: true, totalDeductions: true };
};

const BLACKISH = GREY;

/** US/CA cheque-stub style: statement on top, a non-negotiable voucher below the perforation. */
export const stubLayout: PayslipLayout = (kit, d, rng) => {
  kit.addPage(PAGE_SIZES.letter);
  const W = kit.pageWidth;
  const L = labels(rng);
  const date = payDateOf(d);
  const m = d.money;
  const showId = rng.chance(0.7);
  kit.baseFont = 'mono';
  kit.text(d.employer, M, 56, { font: 'monoBold', size: 12 });
  d.employerAddress.forEach((line, i) => {
    kit.text(line, M, 70 + i * 11, { size: 9 });
  });
  kit.text(d.title, W - M, 56, { font: 'monoBold', size: 12, align: 'right' });
  const meta: [string, string][] = [
    ['Period Beginning:', date(d.start)],
    ['Period Ending:', date(d.end)],
    [`${rng.pick(['Pay Date:', 'Check Date:', 'Payment Date:'])}`, date(d.payDate)],
  ];
  meta.forEach(([k, v], i) => {
    kit.text(k, W - M - 200, 74 + i * 12, { size: 9 });
    kit.text(v, W - M, 74 + i * 12, { size: 9, align: 'right' });
  });
  let y = 130;
  kit.text(d.employee, M, y, { font: 'monoBold', size: 10 });
  if (showId) kit.text(`${L.id}: ${d.employeeId}`, M, y + 12, { size: 9 });
  d.extraIds.slice(0, 1).forEach(([k, v]) => {
    kit.text(`${k}: ${v}`, M, y + 24, { size: 9 });
  });
  y += 52;
  const cols = [M, M + 200, M + 270, M + 360, W - M];
  const head = (t: string, extra: boolean) => {
    kit.text(t, cols[0] as number, y, { font: 'monoBold', size: 9 });
    if (extra) {
      kit.text('rate', cols[1] as number, y, { font: 'monoBold', size: 9, align: 'right' });
      kit.text('hours', cols[2] as number, y, { font: 'monoBold', size: 9, align: 'right' });
    }
    kit.text('this period', cols[3] as number, y, { font: 'monoBold', size: 9, align: 'right' });
    kit.text('year to date', cols[4] as number, y, { font: 'monoBold', size: 9, align: 'right' });
    kit.line(M, y + 4, W - M, y + 4, 0.5);
    y += 16;
  };
  const row = (
    label: string,
    r: { rate?: string; units?: string; amount: number; ytd: number },
    bold = false,
  ) => {
    const font = bold ? 'monoBold' : 'mono';
    kit.text(label, cols[0] as number, y, { font, size: 9 });
    if (r.rate) kit.text(r.rate, cols[1] as number, y, { font, size: 9, align: 'right' });
    if (r.units) kit.text(r.units, cols[2] as number, y, { font, size: 9, align: 'right' });
    kit.text(m.number(r.amount), cols[3] as number, y, { font, size: 9, align: 'right' });
    kit.text(m.number(r.ytd), cols[4] as number, y, { font, size: 9, align: 'right' });
    y += 13;
  };
  head('Earnings', true);
  for (const e of d.earnings) row(e.label, e);
  row(L.gross, { amount: d.gross, ytd: d.ytdGross }, true);
  y += 14;
  head('Deductions', false);
  for (const x of d.deductions) row(x.label, x);
  y += 10;
  kit.text(L.net, cols[0] as number, y, { font: 'monoBold', size: 11 });
  kit.text(m.strong(d.net), cols[3] as number, y, { font: 'monoBold', size: 11, align: 'right' });
  kit.text(m.number(d.ytdNet), cols[4] as number, y, { size: 9, align: 'right' });
  if (m.clue) kit.text(m.clue, M, y + 16, { size: 8, color: GREY });
  const perf = kit.pageHeight - 250;
  kit.line(20, perf, W - 20, perf, 0.8, GREY, [4, 3]);
  kit.text('DETACH HERE', W / 2, perf - 4, { size: 6, align: 'center', color: GREY });
  const v = perf + 40;
  kit.text(d.employer, M, v, { font: 'monoBold', size: 10 });
  kit.text(`Advice No. ${rng.digits(7)}`, W - M, v, { size: 9, align: 'right' });
  kit.text(`Date ${date(d.payDate)}`, W - M, v + 14, { size: 9, align: 'right' });
  kit.text('Deposited to the account of', M, v + 40, { size: 9 });
  kit.text(d.employee, M, v + 54, { font: 'monoBold', size: 10 });
  kit.text(`xxxxxx${rng.digits(4)}`, M + 300, v + 54, { size: 9 });
  kit.text(m.strong(d.net), W - M, v + 54, { font: 'monoBold', size: 10, align: 'right' });
  kit.text('NON-NEGOTIABLE  THIS IS NOT A CHECK', W / 2, v + 110, {
    font: 'monoBold',
    size: 10,
    align: 'center',
  });
  return { employeeId: showId, payDate: true, totalDeductions: false };
};

export const PAYSLIP_LAYOUTS = { grid: gridLayout, ledger: ledgerLayout, stub: stubLayout };
