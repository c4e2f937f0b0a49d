import { describe, expect, it } from 'vitest';
import { invoiceExtractor } from '../extractors/invoice.extractor.ts';
import { invoiceGenerator } from '../samples/generator/invoice.ts';
import { readFromText } from './helpers/read-builder.ts';
import { expectGeneratedExact, expectInboxExact } from './helpers/sample-checks.ts';

describe('invoice extractor', () => {
  const read = readFromText([
    'Northwind Logistics Ltd | | INVOICE',
    '12 High Street',
    'Leeds LS1 4AB | Invoice No. | INV-2024-0042',
    'United Kingdom | Date | 03/04/2024',
    'Tel 0113 496 0000 | Payment Due | 03/05/2024',
    'Bill To',
    'Acme Supplies plc',
    '5 Mill Lane, Bristol BS1 2AA',
    'Description | Qty | Unit Price | Amount',
    'Pallet delivery, zone 2 | 2 | 45.00 | 90.00',
    'Handling fee | 1.5 | 30.00 | 45.00',
    'Net amount | | £135.00',
    'VAT 20% | | £27.00',
    'Total Due | | £162.00',
    'Payment terms: Net 30 days from invoice date',
  ]);
  const f = invoiceExtractor.extract(read);

  it('reads the letterhead, not the customer', () => {
    expect(f.vendorName?.value).toBe('Northwind Logistics Ltd');
    expect(f.vendorAddress?.value).toBe('12 High Street, Leeds LS1 4AB, United Kingdom');
  });

  it('reads number and dates beside their labels, day first in the UK', () => {
    expect(f.invoiceNumber?.value).toBe('INV-2024-0042');
    expect(f.invoiceDate?.value).toBe('2024-04-03');
    expect(f.dueDate?.value).toBe('2024-05-03');
    expect(f.currency?.value).toBe('GBP');
  });

  it('tells "Net amount" (before tax) from the total', () => {
    expect([f.subtotal?.value, f.taxAmount?.value, f.total?.value]).toEqual(['135.00', '27.00', '162.00']);
  });

  it('reads the item table with fractional quantities', () => {
    expect(f.lineItems?.value).toEqual([
      { description: 'Pallet delivery, zone 2', quantity: '2', unitPrice: '45.00', amount: '90.00' },
      { description: 'Handling fee', quantity: '1.5', unitPrice: '30.00', amount: '45.00' },
    ]);
  });

  it('keeps evidence: page, the box of the words and their text', () => {
    expect(f.invoiceNumber!.evidence).toEqual([
      { page: 1, box: expect.objectContaining({ x0: expect.any(Number) }), text: 'INV-2024-0042' },
    ]);
  });

  it('reads values printed under a row of labels, with a comma decimal', () => {
    const g = invoiceExtractor.extract(
      readFromText([
        'Rheinwerk Logistics GmbH',
        'INVOICE NUMBER | ISSUE DATE | AMOUNT DUE',
        'F2024-0042 | 07.05.2024 | EUR 3.822,54',
        'From',
        'Rheinwerk Logistics GmbH',
        'Hauptstraße 12',
        '10115 Berlin',
        'Germany',
        'Total | | EUR 3.822,54',
      ]),
    );
    expect(g.invoiceNumber?.value).toBe('F2024-0042');
    expect(g.invoiceDate?.value).toBe('2024-05-07');
    expect(g.total?.value).toBe('3822.54');
    expect(g.vendorAddress?.value).toBe('Hauptstraße 12, 10115 Berlin, Germany');
  });

  it('repairs a "$" read as "5" when the sum proves it, and trusts figures the sum confirms', () => {
    const g = invoiceExtractor.extract(
      readFromText(
        [
          'Summit Ridge Logistics LLC',
          '2457 Oak Lane, Suite 137',
          'Columbus, OH 43215',
          'Invoice Number: F2024-7790',
          'Net amount | | $536.20',
          'Sales Tax (6%) | | 532.17',
          'Total Payable | | $568.37',
        ],
        { confidence: 0.7 },
      ),
    );
    expect(g.taxAmount).toMatchObject({ value: '32.17', flags: expect.arrayContaining(['ocr-repaired']) });
    expect(g.total?.flags).toContain('arithmetic-checked');
  });

  it('leaves a total that is off for another reason to the validator', () => {
    const g = invoiceExtractor.extract(
      readFromText(['Acme Ltd', 'Subtotal | | $100.00', 'Tax | | $8.00', 'Total | | $118.00']),
    );
    expect([g.subtotal?.value, g.taxAmount?.value, g.total?.value]).toEqual(['100.00', '8.00', '118.00']);
    expect(g.total?.flags ?? []).not.toContain('arithmetic-checked');
  });

  it('reads the digital invoices of samples/inbox exactly', () =>
    expectInboxExact(invoiceExtractor, 'invoice'));
  it('reads every field of generated invoices of every layout', () =>
    expectGeneratedExact(invoiceExtractor, invoiceGenerator));
});
