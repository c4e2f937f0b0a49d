import { describe, expect, it } from 'vitest';
import {
  type Classifier,
  ClassifierRegistry,
  classifyDocument,
  keywordClassifier,
} from '../classifiers/index.ts';
import { digitalInbox } from './helpers/inbox.ts';
import { readFromText } from './helpers/read-builder.ts';
import { loadSroie } from './helpers/sroie.ts';

const doc = (text: string) => readFromText(text.trim().split('\n'));

const SAMPLES: Record<string, string> = {
  invoice: `
Northwind Logistics Ltd | | INVOICE
12 High Street | Invoice No. | INV-2024-0042
Leeds LS1 4AB | Invoice Date | 03/04/2024
Bill To | Due Date | 03/05/2024
Acme Supplies plc
Description | Qty | Unit Price | Amount
Pallet delivery | 2 | 45.00 | 90.00
Subtotal | | 90.00
VAT 20% | | 18.00
Total Due | | 108.00
Payment terms: Net 30`,
  receipt: `
MAJU JAYA MINI MARKET SDN BHD
No. 12, Jalan SS 15/4, 47500 Subang Jaya
RECEIPT
Date: 25/12/2024 | 14:22
Cashier: Siti
MILK FULL CREAM 1L | | 6.50
TOTAL | | 6.50
CASH | | 10.00
CHANGE | | 3.50
THANK YOU. PLEASE COME AGAIN`,
  payslip: `
Keystone Consulting Inc. | | PAYSLIP
Employee Name | Olivia Carter | Pay Period | 01/03/2024 - 31/03/2024
Employee ID | EMP-10023 | Pay Date | 28/03/2024
Earnings | | Amount
Basic Salary | | 5,000.00
Deductions | | Amount
Income Tax | | 700.00
Gross Pay | | 5,000.00
Total Deductions | | 700.00
Net Pay | | 4,300.00`,
  wage_statement: `
a Employee's social security number | 900-12-3456
b Employer identification number (EIN) | 12-3456789
1 Wages, tips, other compensation | 2 Federal income tax withheld
52,000.00 | 6,000.00
3 Social security wages | 4 Social security tax withheld
Form W-2 Wage and Tax Statement 2023`,
  claim_form: `
Meridian General Insurance plc | | CLAIM FORM
Policy Number: POL-1234-5678
Claimant Name: Grace Evans
Date of Loss: 12/02/2024
Description of Incident: A pipe burst under the kitchen sink.
Total Amount Claimed | | GBP 1,250.00
Signature of claimant`,
  medical_bill: `
St. Anne Medical Center | | PATIENT STATEMENT
Patient | Grace Kim
Date of Service | Description | Charges
09/20/2024 | 99213 Office visit | 218.50
Total Charges | | 218.50
Insurance Paid | | 150.00
Patient Responsibility | | 68.50`,
};

describe('keyword classifier', () => {
  const classifier = keywordClassifier();

  it.each(Object.entries(SAMPLES))('recognises a %s', (type, text) => {
    const r = classifier.classify(doc(text));
    expect(r.docType).toBe(type);
    expect(r.confidence).toBeGreaterThan(0.5);
    expect(r.evidence.length).toBeGreaterThan(0);
  });

  it.each([
    [
      'a business letter',
      `Dear Ms Carter,\nThank you for your letter of 3 March regarding the new office.\nWe will send the invoice once the work is done.\nYours sincerely,\nJames Walker`,
    ],
    [
      'a memo',
      'MEMO\nTo: All staff\nFrom: Facilities\nThe car park will be closed on Friday for resurfacing.',
    ],
    ['an empty page', ''],
  ])('calls %s unknown', (_, text) => {
    const r = classifier.classify(doc(text));
    expect(r.docType).toBe('unknown');
  });

  it('tolerates OCR noise in keywords', () => {
    const noisy = SAMPLES.payslip!.replace('PAYSLIP', 'PAYSL1P')
      .replace('Net Pay', 'Nett Pay')
      .replace('Deductions', 'Deductlons');
    expect(classifier.classify(readFromText(noisy.trim().split('\n'), { confidence: 0.8 })).docType).toBe(
      'payslip',
    );
  });

  it('does not count a misread "invoice #" as "invoice" too', () => {
    // A Malaysian till receipt is a "tax invoice" with an "Invoice #"; OCR read it "Invaice #",
    // which used to count once as "invoice #" and again as "invoice", tipping it to invoice.
    const receipt = `
UNIHAKKA INTERNATIONAL SDN BHD
30 Mar 2018 18:17
TAX INVOICE
Invaice # : OR18033002170384
Nett Total: $8.20
GST @6%: $0.48
Change $0.00
Thank You & Come Again`;
    const r = classifier.classify(doc(receipt));
    expect(r.docType, r.evidence.join('; ')).toBe('receipt');
    expect(r.evidence.join(';')).not.toMatch(/"invoice" \+/);
  });

  it('is less sure when two types share the evidence', () => {
    const clear = classifier.classify(doc(SAMPLES.invoice!));
    const mixed = classifier.classify(doc(`${SAMPLES.invoice}\n${SAMPLES.receipt}`));
    expect(mixed.confidence).toBeLessThan(clear.confidence);
  });
});

describe('ClassifierRegistry', () => {
  const fixed = (
    name: string,
    docType: 'invoice' | 'receipt' | 'unknown',
    confidence: number,
  ): Classifier => ({
    name,
    classify: () => ({ docType, confidence, evidence: [name] }),
  });

  it('takes the most confident answer that names a type, with its department', () => {
    const r = new ClassifierRegistry()
      .register(fixed('a', 'invoice', 0.6), fixed('b', 'receipt', 0.8), fixed('c', 'unknown', 0.95))
      .classify(doc('x'));
    expect(r).toMatchObject({ docType: 'receipt', department: 'finance', classifier: 'b', confidence: 0.8 });
  });

  it('answers unknown only when nobody names a type', () => {
    const r = new ClassifierRegistry().register(fixed('c', 'unknown', 0.7)).classify(doc('x'));
    expect(r).toMatchObject({ docType: 'unknown', department: null });
    expect(new ClassifierRegistry().classify(doc('x')).docType).toBe('unknown');
  });
});

describe('on real and sample documents', () => {
  it('calls at least 98 of the 100 real SROIE receipt transcripts receipts', () => {
    const results = loadSroie().map((c) => classifyDocument(c.read));
    expect(results.filter((r) => r.docType === 'receipt').length).toBeGreaterThanOrEqual(98);
    expect(results.filter((r) => r.docType !== 'receipt' && r.docType !== 'unknown')).toEqual([]);
  });

  it('classifies every digital PDF of samples/inbox as its truth says', async () => {
    const docs = await digitalInbox();
    expect(docs.length).toBeGreaterThan(0);
    for (const { entry, read } of docs) {
      const r = classifyDocument(read);
      expect({ file: entry.file_name, type: r.docType }).toEqual({
        file: entry.file_name,
        type: entry.docType,
      });
      if (r.docType !== 'unknown') expect(r.confidence).toBeGreaterThan(0.5);
    }
  });
});
