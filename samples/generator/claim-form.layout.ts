import type { ClaimData, ClaimKind } from './claim-form.model.ts';
import { formatDate, type Ymd } from './dates.ts';
import { BLACK, GREY, LIGHT, PAGE_SIZES, type PdfKit } from './pdf-kit.ts';
import type { Rng } from './prng.ts';

export interface ClaimShown {
  claimDate: boolean;
  description: boolean;
}

export type ClaimLayout = (kit: PdfKit, d: ClaimData, rng: Rng, long: boolean) => ClaimShown;

const M = 45;

export const claimDateOf = (d: ClaimData) => (x: Ymd) => formatDate(x, d.dateStyle);

const KIND_LABEL: Record<ClaimKind, string> = {
  motor: 'Motor',
  travel: 'Travel',
  home: 'Home / Contents',
  health: 'Medical / Health',
};

function labels(rng: Rng, d: ClaimData) {
  return {
    policy: rng.pick(['Policy Number', 'Policy No.', 'Policy #', 'Certificate / Policy No.']),
    claimant: rng.pick(['Claimant Name', 'Name of Policyholder', 'Full name of claimant', 'Insured Name']),
    incident:
      d.kind === 'health'
        ? rng.pick(['Date of Treatment', 'Date of Incident'])
        : d.kind === 'motor'
          ? rng.pick(['Date of Accident', 'Date of Incident', 'Date of Loss'])
          : rng.pick(['Date of Loss', 'Date of Incident']),
    amount: rng.pick(['Total Amount Claimed', 'Amount Claimed', 'Total Claim Amount', 'Claim Amount']),
    signed: rng.pick(['Date', 'Date Signed', 'Date of Claim']),
    description: rng.pick([
      'Description of Incident',
      'Describe what happened',
      'Details of Loss',
      'Circumstances of the loss',
    ]),
  };
}

function letterhead(kit: PdfKit, d: ClaimData, title: string) {
  const W = kit.pageWidth;
  kit.text(d.insurer, M, 52, { font: 'sansBold', size: 15 });
  kit.text(`${d.insurerAddress.join(', ')}   Claims line ${d.claimsPhone}`, M, 66, { size: 8, color: GREY });
  kit.text(title, W - M, 52, { font: 'sansBold', size: 13, align: 'right' });
  kit.line(M, 76, W - M, 76, 1.2);
}

/** A boxed field: small label at the top, value inside, as on pre-printed forms. */
function field(kit: PdfKit, x: number, y: number, w: number, label: string, value: string, h = 30) {
  kit.rect(x, y, w, h, { border: BLACK, thickness: 0.5 });
  kit.text(label, x + 4, y + 9, { size: 7, color: GREY });
  if (value) kit.text(value, x + 6, y + h - 8, { font: 'mono', size: 10 });
}

function section(kit: PdfKit, y: number, title: string): number {
  kit.rect(M, y, kit.pageWidth - 2 * M, 16, { fill: LIGHT });
  kit.text(title, M + 5, y + 11.5, { font: 'sansBold', size: 9.5 });
  return y + 22;
}

function checkboxes(kit: PdfKit, x: number, y: number, selected: ClaimKind) {
  let cx = x;
  for (const [kind, label] of Object.entries(KIND_LABEL)) {
    kit.rect(cx, y - 8, 9, 9, { border: BLACK, thickness: 0.6 });
    if (kind === selected) kit.text('X', cx + 1.6, y, { font: 'monoBold', size: 9 });
    kit.text(label, cx + 13, y, { size: 9 });
    cx += kit.width(label, 'sans', 9) + 32;
  }
}

function declaration(kit: PdfKit, d: ClaimData, y: number, signedLabel: string): number {
  const W = kit.pageWidth;
  const end = kit.paragraph(
    'I declare that the information given on this form is true and complete to the best of my knowledge. I understand that giving false or incomplete information may invalidate my claim and my policy.',
    M,
    y,
    W - 2 * M,
    { size: 8.5 },
  );
  const sy = end + 30;
  kit.text(d.claimant, M + 10, sy - 6, { font: 'sansItalic', size: 13 });
  kit.line(M, sy, M + 220, sy, 0.5);
  kit.text('Signature of claimant', M, sy + 10, { size: 7, color: GREY });
  kit.text(`${signedLabel}: ${formatDate(d.claimDate, d.dateStyle)}`, W - M - 200, sy - 6, { size: 10 });
  kit.line(W - M - 200, sy, W - M, sy, 0.5);
  return sy + 20;
}

function expenseTable(kit: PdfKit, d: ClaimData, y: number, totalLabel: string): number {
  const W = kit.pageWidth;
  const date = claimDateOf(d);
  kit.text('Date', M + 4, y, { font: 'sansBold', size: 9 });
  kit.text('Item / service', M + 110, y, { font: 'sansBold', size: 9 });
  kit.text(`Amount${d.money.mode === 'plain' ? ` (${d.money.currency})` : ''}`, W - M - 4, y, {
    font: 'sansBold',
    size: 9,
    align: 'right',
  });
  kit.line(M, y + 4, W - M, y + 4, 0.6);
  let yy = y + 18;
  for (const e of d.expenses) {
    kit.text(date(e.date), M + 4, yy, { size: 9.5 });
    kit.text(e.description, M + 110, yy, { size: 9.5 });
    kit.text(d.money.amount(e.amount), W - M - 4, yy, { size: 9.5, align: 'right' });
    kit.line(M, yy + 5, W - M, yy + 5, 0.3, GREY);
    yy += 17;
  }
  kit.text(totalLabel, W - M - 230, yy + 6, { font: 'sansBold', size: 10.5 });
  kit.text(d.money.strong(d.amount), W - M - 4, yy + 6, { font: 'sansBold', size: 10.5, align: 'right' });
  return yy + 24;
}

/** Numbered sections of boxed fields; with `long`, the claim and declaration go on page 2. */
export const sectionsLayout: ClaimLayout = (kit, d, rng, long) => {
  const size = PAGE_SIZES[d.locale.pageSize];
  kit.addPage(size);
  const W = kit.pageWidth;
  const L = labels(rng, d);
  const date = claimDateOf(d);
  const full = W - 2 * M;
  letterhead(kit, d, 'CLAIM FORM');
  let y = section(kit, 92, 'Section 1 - Policy details');
  field(kit, M, y, full * 0.5, L.policy, d.policyNumber);
  field(kit, M + full * 0.5, y, full * 0.5, 'Claim reference (office use)', '');
  y += 40;
  checkboxes(kit, M + 4, y, d.kind);
  y = section(kit, y + 16, 'Section 2 - Claimant details');
  field(kit, M, y, full * 0.6, L.claimant, d.claimant);
  field(kit, M + full * 0.6, y, full * 0.4, 'Date of birth', date(d.dob));
  y += 30;
  field(kit, M, y, full, 'Address', d.claimantAddress.join(', '));
  y += 30;
  field(kit, M, y, full * 0.5, 'Telephone', d.claimantPhone);
  field(kit, M + full * 0.5, y, full * 0.5, 'Email', d.email);
  y = section(kit, y + 42, 'Section 3 - Incident details');
  field(kit, M, y, full * 0.3, L.incident, date(d.incident));
  field(kit, M + full * 0.3, y, full * 0.2, 'Time', d.incidentTime);
  field(kit, M + full * 0.5, y, full * 0.5, 'Place', d.location);
  y += 30;
  const lines = kit.wrap(d.description, full - 14, 'mono', 10);
  const h = 22 + lines.length * 13;
  kit.rect(M, y, full, h, { border: BLACK, thickness: 0.5 });
  kit.text(L.description, M + 4, y + 9, { size: 7, color: GREY });
  lines.forEach((line, i) => {
    kit.text(line, M + 6, y + 24 + i * 13, { font: 'mono', size: 10 });
  });
  y += h + 12;
  if (long) {
    kit.text('Please turn over', W - M, kit.pageHeight - 40, { size: 8, align: 'right', color: GREY });
    kit.addPage(size);
    kit.text(`${d.insurer} - Claim form (continued)`, M, 52, { font: 'sansBold', size: 10 });
    kit.text(`${L.policy}: ${d.policyNumber}`, W - M, 52, { size: 9, align: 'right' });
    y = 70;
  }
  y = section(kit, y, 'Section 4 - Amount claimed');
  y = expenseTable(kit, d, y + 6, L.amount);
  y = section(kit, y + 4, 'Section 5 - Declaration');
  declaration(kit, d, y + 6, L.signed);
  for (let i = 0; i < kit.pages.length; i++) {
    kit.onPage(i, () => {
      kit.text(`Form CF-${d.locale.id}-01   Page ${i + 1} of ${kit.pages.length}`, M, kit.pageHeight - 28, {
        size: 7,
        color: GREY,
      });
    });
  }
  return { claimDate: true, description: true };
};

/** Label-left, value on an underline, the way a typed-in PDF form looks. */
export const linedLayout: ClaimLayout = (kit, d, rng) => {
  kit.addPage(PAGE_SIZES[d.locale.pageSize]);
  const W = kit.pageWidth;
  const L = labels(rng, d);
  const date = claimDateOf(d);
  kit.text(d.insurer, W / 2, 56, { font: 'serifBold', size: 16, align: 'center' });
  kit.text(d.insurerAddress.join(' | '), W / 2, 70, { font: 'serif', size: 8.5, align: 'center' });
  kit.text(`${KIND_LABEL[d.kind]} Insurance Claim`, W / 2, 100, {
    font: 'serifBold',
    size: 14,
    align: 'center',
  });
  let y = 135;
  const rows: [string, string][] = [
    [`${L.policy}:`, d.policyNumber],
    [`${L.claimant}:`, d.claimant],
    ['Address:', d.claimantAddress.join(', ')],
    ['Phone:', d.claimantPhone],
    [`${L.incident}:`, date(d.incident)],
    ['Place of incident:', d.location],
    [`${L.amount}:`, d.money.strong(d.amount)],
  ];
  for (const [label, value] of rows) {
    kit.text(label, M, y, { font: 'serifBold', size: 10.5 });
    kit.text(value, M + 160, y, { font: 'serif', size: 10.5 });
    kit.line(M + 155, y + 3, W - M, y + 3, 0.4, GREY, [1, 1.5]);
    y += 22;
  }
  y += 10;
  kit.text(`${L.description}:`, M, y, { font: 'serifBold', size: 10.5 });
  y += 8;
  const lines = kit.wrap(d.description, W - 2 * M - 10, 'serif', 10.5);
  for (let i = 0; i < Math.max(lines.length, 5); i++) {
    y += 18;
    if (lines[i]) kit.text(lines[i] as string, M + 4, y - 3, { font: 'serif', size: 10.5 });
    kit.line(M, y + 2, W - M, y + 2, 0.3, GREY);
  }
  y += 30;
  if (d.money.clue) {
    kit.text(d.money.clue, M, y, { font: 'serif', size: 9 });
    y += 16;
  }
  kit.text('Claim type:', M, y, { font: 'serifBold', size: 10 });
  checkboxes(kit, M + 70, y, d.kind);
  y += 30;
  declaration(kit, d, y, L.signed);
  return { claimDate: true, description: true };
};

/** Details as a two-column grid of cells, then an itemised expense table. */
export const itemisedLayout: ClaimLayout = (kit, d, rng) => {
  kit.addPage(PAGE_SIZES[d.locale.pageSize]);
  const W = kit.pageWidth;
  const L = labels(rng, d);
  const date = claimDateOf(d);
  const describe = rng.chance(0.6);
  letterhead(kit, d, `${KIND_LABEL[d.kind].toUpperCase()} CLAIM`);
  const cells: [string, string][] = [
    [L.policy, d.policyNumber],
    [L.claimant, d.claimant],
    ['Contact number', d.claimantPhone],
    [L.incident, date(d.incident)],
    ['Where did it happen?', d.location],
  ];
  let y = 100;
  const lw = 170;
  for (const [k, v] of cells) {
    kit.rect(M, y, lw, 22, { fill: LIGHT, border: GREY, thickness: 0.4 });
    kit.rect(M + lw, y, W - 2 * M - lw, 22, { border: GREY, thickness: 0.4 });
    kit.text(k, M + 6, y + 14.5, { font: 'sansBold', size: 9 });
    kit.text(v, M + lw + 6, y + 14.5, { size: 9.5 });
    y += 22;
  }
  y += 20;
  if (describe) {
    kit.text(L.description, M, y, { font: 'sansBold', size: 10 });
    y = kit.paragraph(d.description, M, y + 16, W - 2 * M, { size: 9.5 }) + 10;
  }
  kit.text('Itemised claim', M, y, { font: 'sansBold', size: 10 });
  y = expenseTable(kit, d, y + 20, L.amount);
  if (d.money.clue) kit.text(d.money.clue, M, y, { size: 8.5, color: GREY });
  y += 20;
  kit.text('Please attach original receipts. Claims without receipts may be delayed.', M, y, { size: 8.5 });
  declaration(kit, d, y + 26, L.signed);
  return { claimDate: true, description: describe };
};

export const CLAIM_LAYOUTS = { sections: sectionsLayout, lined: linedLayout, itemised: itemisedLayout };
