import { makeTextPdf, type PlacedLine } from './documents.ts';

/**
 * Invoices of one made-up vendor whose template the rules cannot read: the number sits after
 * "Document ref" and the date after "Issued on", labels no rule knows. Every invoice of this
 * vendor goes to review with both missing until a reviewer's corrections teach the memory.
 */
export interface KestrelInvoice {
  ref: string;
  /** As printed, day first: the vendor is in the UK. */
  printedDate: string;
  /** Canonical truth of the date. */
  date: string;
  items: { description: string; quantity: number; unitPrice: string }[];
}

export const KESTREL_FIRST: KestrelInvoice = {
  ref: 'KF/88213',
  printedDate: '04/05/2024',
  date: '2024-05-04',
  items: [
    { description: 'Hex bolts M8, box of 100', quantity: 2, unitPrice: '12.50' },
    { description: 'Washers M8, box of 200', quantity: 3, unitPrice: '4.20' },
  ],
};

export const KESTREL_SECOND: KestrelInvoice = {
  ref: 'KF/90017',
  printedDate: '07/08/2024',
  date: '2024-08-07',
  items: [
    { description: 'Coach screws 8 x 80, box of 50', quantity: 4, unitPrice: '9.75' },
    { description: 'Wall plugs, box of 500', quantity: 1, unitPrice: '15.40' },
    { description: 'Hex nuts M10, box of 100', quantity: 2, unitPrice: '6.85' },
  ],
};

const cents = (s: string) => Math.round(Number(s) * 100);
const money = (c: number) => (c / 100).toFixed(2);

export function kestrelTotals(inv: KestrelInvoice) {
  const subtotal = inv.items.reduce((a, i) => a + i.quantity * cents(i.unitPrice), 0);
  const tax = Math.round(subtotal * 0.2);
  return { subtotal: money(subtotal), taxAmount: money(tax), total: money(subtotal + tax) };
}

/** `refLabel` prints the number under another label, e.g. one the rules know. */
export async function kestrelInvoicePdf(inv: KestrelInvoice, refLabel = 'Document ref'): Promise<Uint8Array> {
  const t = kestrelTotals(inv);
  const lines: PlacedLine[] = [
    { text: 'Kestrel Fasteners Ltd', x: 56, y: 780, size: 20 },
    { text: '14 Mill Lane, Leeds LS2 7QT, United Kingdom', x: 56, y: 760, size: 10 },
    { text: 'VAT Reg No. GB 123 4567 89', x: 56, y: 746, size: 10 },
    { text: 'INVOICE', x: 430, y: 780, size: 20 },
    { text: 'Bill to: Northwind Traders Limited', x: 56, y: 706, size: 11 },
    { text: '221 Harbour Road, Portsmouth PO1 3AB', x: 56, y: 692, size: 11 },
    { text: refLabel, x: 360, y: 720, size: 11 },
    { text: inv.ref, x: 450, y: 720, size: 11 },
    { text: 'Issued on', x: 360, y: 704, size: 11 },
    { text: inv.printedDate, x: 450, y: 704, size: 11 },
    { text: 'Description', x: 56, y: 640, size: 11 },
    { text: 'Qty', x: 330, y: 640, size: 11 },
    { text: 'Unit price', x: 390, y: 640, size: 11 },
    { text: 'Amount', x: 480, y: 640, size: 11 },
  ];
  inv.items.forEach((i, n) => {
    const y = 620 - n * 18;
    lines.push(
      { text: i.description, x: 56, y, size: 11 },
      { text: String(i.quantity), x: 330, y, size: 11 },
      { text: i.unitPrice, x: 390, y, size: 11 },
      { text: money(i.quantity * cents(i.unitPrice)), x: 480, y, size: 11 },
    );
  });
  const y = 600 - inv.items.length * 18;
  lines.push(
    { text: 'Subtotal', x: 390, y, size: 11 },
    { text: `GBP ${t.subtotal}`, x: 470, y, size: 11 },
    { text: 'VAT 20%', x: 390, y: y - 16, size: 11 },
    { text: `GBP ${t.taxAmount}`, x: 470, y: y - 16, size: 11 },
    { text: 'Total', x: 390, y: y - 34, size: 12 },
    { text: `GBP ${t.total}`, x: 470, y: y - 34, size: 12 },
    { text: 'Payment within 30 days by bank transfer. Thank you for your business.', x: 56, y: 120, size: 9 },
  );
  return makeTextPdf([lines]);
}
