import { formatNumber } from './money.ts';
import { BLACK, GREY, LIGHT, MM, type PdfKit } from './pdf-kit.ts';
import type { Rng } from './prng.ts';
import type { W2Data } from './wage-statement.model.ts';

export type W2Layout = (kit: PdfKit, d: W2Data, rng: Rng) => void;

const num = (cents: number) => formatNumber(cents, { decimal: '.', thousands: ',' });

/**
 * The IRS grid: lettered identity boxes on the left, numbered amount boxes in pairs on the
 * right, state rows at the bottom. Drawn at `top` with `scale` so two copies fit one page.
 */
function grid(kit: PdfKit, d: W2Data, top: number, copy: string, withCommas: boolean) {
  const W = kit.pageWidth;
  const x0 = 8 * MM;
  const x1 = W - 8 * MM;
  const mid = x0 + (x1 - x0) * 0.5;
  const q = mid + (x1 - mid) / 2;
  const rowH = 27;
  const amount = (c: number) => (withCommas ? num(c) : (c / 100).toFixed(2));
  const box = (x: number, y: number, w: number, h: number, label: string, value: string, right = false) => {
    kit.rect(x, y, w, h, { border: BLACK, thickness: 0.5 });
    kit.text(label, x + 2.5, y + 7.5, { size: 5.8 });
    if (value)
      kit.text(value, right ? x + w - 6 : x + 6, y + h - 7, {
        font: 'mono',
        size: 9.5,
        align: right ? 'right' : 'left',
      });
  };
  const multi = (x: number, y: number, w: number, h: number, label: string, lines: string[]) => {
    kit.rect(x, y, w, h, { border: BLACK, thickness: 0.5 });
    kit.text(label, x + 2.5, y + 7.5, { size: 5.8 });
    lines.forEach((line, i) => {
      kit.text(line, x + 6, y + 20 + i * 11, { font: 'mono', size: 9.5 });
    });
  };
  const y = top;
  box(x0, y, (mid - x0) * 0.45, rowH, "a  Employee's social security number", d.ssn);
  kit.rect(x0 + (mid - x0) * 0.45, y, mid - x0 - (mid - x0) * 0.45, rowH, { fill: LIGHT });
  kit.text('OMB No. 1545-0008', x0 + (mid - x0) * 0.5, y + 16, { size: 7, font: 'sansBold' });
  box(x0, y + rowH, mid - x0, rowH, 'b  Employer identification number (EIN)', d.ein);
  multi(x0, y + 2 * rowH, mid - x0, rowH * 2.2, "c  Employer's name, address, and ZIP code", [
    d.employer,
    ...d.employerAddress,
  ]);
  box(x0, y + 4.2 * rowH, mid - x0, rowH, 'd  Control number', d.controlNumber);
  multi(x0, y + 5.2 * rowH, mid - x0, rowH * 2.2, "e  Employee's name   f  Employee's address and ZIP code", [
    d.employee,
    ...d.employeeAddress,
  ]);
  const pairs: [string, string, string, string][] = [
    [
      '1  Wages, tips, other compensation',
      amount(d.wages),
      '2  Federal income tax withheld',
      amount(d.federal),
    ],
    ['3  Social security wages', amount(d.ssWages), '4  Social security tax withheld', amount(d.ssTax)],
    [
      '5  Medicare wages and tips',
      amount(d.medicareWages),
      '6  Medicare tax withheld',
      amount(d.medicareTax),
    ],
    ['7  Social security tips', '', '8  Allocated tips', ''],
    ['9', '', '10  Dependent care benefits', ''],
    [
      '11  Nonqualified plans',
      '',
      '12a  See instructions for box 12',
      d.retirement ? `D  ${amount(d.retirement)}` : '',
    ],
    ['13  Statutory employee / Retirement plan', d.retirement ? '     X' : '', '14  Other', ''],
  ];
  pairs.forEach(([l1, v1, l2, v2], i) => {
    const yy = y + i * rowH * (7.4 / 7);
    const h = rowH * (7.4 / 7);
    box(mid, yy, q - mid, h, l1, v1, true);
    box(q, yy, x1 - q, h, l2, v2, true);
  });
  const sy = y + 7.4 * rowH;
  const cols: [number, string, string][] = [
    [0.1, '15  State', d.state],
    [0.26, "Employer's state ID number", d.stateId],
    [0.22, '16  State wages, tips, etc.', amount(d.stateWages)],
    [0.2, '17  State income tax', amount(d.stateTax)],
    [0.22, '20  Locality name', ''],
  ];
  let sx = x0;
  for (const [frac, label, value] of cols) {
    const w = (x1 - x0) * frac;
    box(sx, sy, w, rowH, label, value, label.startsWith('16') || label.startsWith('17'));
    sx += w;
  }
  const fy = sy + rowH + 14;
  kit.text('Form', x0, fy, { size: 7 });
  kit.text('W-2', x0 + 18, fy + 2, { font: 'sansBold', size: 16 });
  kit.text('Wage and Tax Statement', x0 + 58, fy, { font: 'sansBold', size: 10 });
  kit.text(String(d.year), mid + 10, fy + 2, { font: 'sansBold', size: 18 });
  kit.text('Department of the Treasury - Internal Revenue Service', x1, fy, { size: 7, align: 'right' });
  kit.text(copy, x0, fy + 14, { size: 7, font: 'sansBold' });
}

/** One copy, full width, as the employee's Copy B. */
export const formLayout: W2Layout = (kit, d) => {
  kit.addPage([612, 792]);
  grid(kit, d, 40, "Copy B - To Be Filed With Employee's FEDERAL Tax Return.", true);
  kit.text('This information is being furnished to the Internal Revenue Service.', 8 * MM, 370, { size: 7 });
};

/** Two copies on one sheet (B and C), as payroll software prints them. */
export const twoUpLayout: W2Layout = (kit, d) => {
  kit.addPage([612, 792]);
  grid(kit, d, 30, "Copy B - To Be Filed With Employee's FEDERAL Tax Return.", false);
  kit.line(10, 396, 602, 396, 0.6, GREY, [3, 3]);
  grid(kit, d, 416, "Copy C - For EMPLOYEE'S RECORDS.", false);
};

/** An employer's plain summary letter of the W-2 figures, label-left/value-right. */
export const summaryLayout: W2Layout = (kit, d, rng) => {
  kit.addPage([612, 792]);
  const M = 60;
  const W = kit.pageWidth;
  kit.text(d.employer, M, 64, { font: 'serifBold', size: 15 });
  d.employerAddress.forEach((line, i) => {
    kit.text(line, M, 80 + i * 12, { font: 'serif', size: 10 });
  });
  kit.text(`Form W-2 Wage and Tax Statement ${d.year}`, M, 140, { font: 'serifBold', size: 13 });
  kit.text('Employee copy - keep for your records', M, 155, { font: 'serif', size: 9, color: GREY });
  const ident: [string, string][] = [
    [rng.pick(['Employee', 'Employee name']), d.employee],
    [rng.pick(["Employee's SSN", 'Social Security Number', 'SSN']), d.ssn],
    [rng.pick(['Employer EIN', 'Employer ID Number (EIN)', 'Federal EIN']), d.ein],
    ['Tax year', String(d.year)],
  ];
  let y = 185;
  for (const [k, v] of ident) {
    kit.text(k, M, y, { font: 'serifBold', size: 10.5 });
    kit.text(v, M + 190, y, { font: 'serif', size: 10.5 });
    y += 16;
  }
  y += 14;
  kit.rect(M, y - 13, W - 2 * M, 18, { fill: LIGHT });
  kit.text('Box', M + 6, y, { font: 'serifBold', size: 10 });
  kit.text('Description', M + 50, y, { font: 'serifBold', size: 10 });
  kit.text('Amount (USD)', W - M - 6, y, { font: 'serifBold', size: 10, align: 'right' });
  y += 20;
  const rows: [string, string, number][] = [
    ['1', 'Wages, tips, other compensation', d.wages],
    ['2', 'Federal income tax withheld', d.federal],
    ['3', 'Social security wages', d.ssWages],
    ['4', 'Social security tax withheld', d.ssTax],
    ['5', 'Medicare wages and tips', d.medicareWages],
    ['6', 'Medicare tax withheld', d.medicareTax],
  ];
  if (d.retirement) rows.push(['12a', 'Code D - 401(k) elective deferrals', d.retirement]);
  rows.push(['16', `State wages (${d.state})`, d.stateWages], ['17', 'State income tax', d.stateTax]);
  for (const [b, label, value] of rows) {
    kit.text(b, M + 6, y, { font: 'serif', size: 10.5 });
    kit.text(label, M + 50, y, { font: 'serif', size: 10.5 });
    kit.text(num(value), W - M - 6, y, { font: 'serif', size: 10.5, align: 'right' });
    kit.line(M, y + 5, W - M, y + 5, 0.3, GREY);
    y += 19;
  }
  y += 20;
  kit.paragraph(
    'The official Copy B and Copy C of your Form W-2 are enclosed. If any of the information above is wrong, contact the payroll department before you file your return.',
    M,
    y,
    W - 2 * M,
    { font: 'serif', size: 9.5 },
  );
};

export const W2_LAYOUTS = { form: formLayout, twoUp: twoUpLayout, summary: summaryLayout };
