import { describe, expect, it } from 'vitest';
import { medicalBillExtractor } from '../extractors/medical-bill.extractor.ts';
import { medicalBillGenerator } from '../samples/generator/medical-bill.ts';
import { readFromText } from './helpers/read-builder.ts';
import { expectGeneratedExact, expectInboxExact } from './helpers/sample-checks.ts';

describe('medical bill extractor', () => {
  it('reads a patient statement: service date from the table, balances from the summary', () => {
    const f = medicalBillExtractor.extract(
      readFromText([
        'St. Anne Family Clinic | | PATIENT STATEMENT',
        '1433 Oak Lane | Statement Date | 10/13/2024',
        'Sacramento, CA 95816 | Account No. | A4549973',
        'USA | Due Date | 10/27/2024',
        'Billing questions: (606) 108-8135',
        'Patient | Primary insurance',
        'Grace Kim | BlueShield Health Plan',
        'Date of Service | Description | Units | Unit Charge | Charges',
        '09/20/2024 | 96374 IV push, single drug | 1 | 317.50 | 317.50',
        '09/20/2024 | 71046 X-ray chest, 2 views | 1 | 141.99 | 141.99',
        'Total Charges | | $459.49',
        'Insurance Paid | | $300.00',
        'Patient Responsibility | | $159.49',
      ]),
    );
    expect(f.providerName?.value).toBe('St. Anne Family Clinic');
    expect(f.providerAddress?.value).toBe('1433 Oak Lane, Sacramento, CA 95816, USA');
    expect(f.patientName?.value).toBe('Grace Kim');
    expect(f.accountNumber?.value).toBe('A4549973');
    expect([f.serviceDate?.value, f.billDate?.value, f.dueDate?.value]).toEqual([
      '2024-09-20',
      '2024-10-13',
      '2024-10-27',
    ]);
    expect([f.totalCharges?.value, f.insurancePaid?.value, f.amountDue?.value]).toEqual([
      '459.49',
      '300.00',
      '159.49',
    ]);
    expect(f.currency?.value).toBe('USD');
    expect(f.lineItems?.value).toEqual([
      { description: '96374 IV push, single drug', quantity: '1', unitPrice: '317.50', amount: '317.50' },
      { description: '71046 X-ray chest, 2 views', quantity: '1', unitPrice: '141.99', amount: '141.99' },
    ]);
  });

  it('reads the digital medical bills of samples/inbox exactly', () =>
    expectInboxExact(medicalBillExtractor, 'medical_bill'));
  it('reads every field of generated medical bills of every layout', () =>
    expectGeneratedExact(medicalBillExtractor, medicalBillGenerator));
});
