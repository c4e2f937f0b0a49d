import { describe, expect, it } from 'vitest';
import { validateFields } from '../pipeline/validate.ts';
import type { ExtractedField, ExtractedFields } from '../schemas/common.ts';

const today = new Date('2025-06-01T00:00:00Z');
const f = (value: unknown, flags?: string[]): ExtractedField => ({
  value,
  confidence: 0.95,
  evidence: [{ page: 1, box: null, text: String(value) }],
  ...(flags ? { flags } : {}),
});
const fields = (o: Record<string, unknown>): ExtractedFields =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));

const invoice = {
  vendorName: 'Northwind Logistics Ltd',
  vendorAddress: '12 High Street, Leeds LS1 4AB, United Kingdom',
  invoiceNumber: 'INV-2024-0042',
  invoiceDate: '2024-04-03',
  dueDate: '2024-05-03',
  currency: 'GBP',
  subtotal: '135.00',
  taxAmount: '27.00',
  total: '162.00',
  lineItems: [
    { description: 'Pallet delivery', quantity: '2', unitPrice: '45.00', amount: '90.00' },
    { description: 'Handling fee', quantity: '1.5', unitPrice: '30.00', amount: '45.00' },
  ],
};
const payslip = {
  employerName: 'Keystone Consulting Inc.',
  employeeName: 'Olivia Carter',
  payPeriodStart: '2024-03-01',
  payPeriodEnd: '2024-03-31',
  payDate: '2024-03-28',
  currency: 'USD',
  grossPay: '5000.00',
  totalDeductions: '700.00',
  netPay: '4300.00',
};

const codes = (docType: Parameters<typeof validateFields>[0], o: Record<string, unknown>) =>
  validateFields(docType, fields(o), { today }).map((r) => `${r.code}:${r.fields.join(',')}`);

describe('validateFields', () => {
  it('passes a consistent invoice and payslip', () => {
    expect(validateFields('invoice', fields(invoice), { today })).toEqual([]);
    expect(validateFields('payslip', fields(payslip), { today })).toEqual([]);
  });

  it('turns each schema issue into an invalid-field reason naming the field', () => {
    const r = validateFields('invoice', fields({ ...invoice, invoiceDate: '03/04/2024', total: '162' }), {
      today,
    });
    expect(r.filter((x) => x.code === 'invalid-field').map((x) => x.fields)).toEqual([
      ['invoiceDate'],
      ['total'],
    ]);
    expect(r[0]!.message).toContain('03/04/2024');
  });

  it('reports a required field that is missing', () => {
    const { invoiceNumber: _, ...rest } = invoice;
    const r = validateFields('invoice', fields(rest), { today });
    expect(r).toContainEqual(expect.objectContaining({ code: 'invalid-field', fields: ['invoiceNumber'] }));
  });

  it.each([
    [
      'subtotal + tax != total',
      'invoice',
      { ...invoice, total: '172.00' },
      'rule-failed:subtotal,taxAmount,total',
    ],
    ['subtotal + tax = total within a cent', 'invoice', { ...invoice, total: '162.01' }, null],
    [
      'line items that do not add up to the subtotal',
      'invoice',
      { ...invoice, lineItems: [invoice.lineItems[0]] },
      'rule-failed:lineItems,subtotal',
    ],
    [
      'a line whose quantity × unit price is not its amount',
      'invoice',
      {
        ...invoice,
        lineItems: [
          { ...invoice.lineItems[0], amount: '95.00' },
          { ...invoice.lineItems[1], amount: '40.00' },
        ],
      },
      'rule-failed:lineItems',
    ],
    [
      'a due date before the invoice date',
      'invoice',
      { ...invoice, dueDate: '2024-04-01' },
      'rule-failed:invoiceDate,dueDate',
    ],
    ['a currency that is not ISO 4217', 'invoice', { ...invoice, currency: 'XYZ' }, 'rule-failed:currency'],
    [
      'an implausibly old date',
      'invoice',
      { ...invoice, invoiceDate: '1985-01-01', dueDate: '1985-02-01' },
      'rule-failed:invoiceDate',
    ],
    ['a date far in the future', 'invoice', { ...invoice, dueDate: '2031-01-01' }, 'rule-failed:dueDate'],
    [
      'a pay period that ends before it starts',
      'payslip',
      { ...payslip, payPeriodEnd: '2024-02-28' },
      'rule-failed:payPeriodStart,payPeriodEnd',
    ],
    [
      'net pay above gross pay',
      'payslip',
      { ...payslip, netPay: '5300.00', totalDeductions: '-300.00' },
      'rule-failed:netPay,grossPay',
    ],
    [
      'gross − deductions != net',
      'payslip',
      { ...payslip, netPay: '4200.00' },
      'rule-failed:grossPay,totalDeductions,netPay',
    ],
  ] as const)('%s', (_, docType, values, want) => {
    const got = codes(docType, values as Record<string, unknown>);
    if (want === null) expect(got).toEqual([]);
    else expect(got).toContain(want);
  });

  it('states the numbers in the sentence', () => {
    const r = validateFields('invoice', fields({ ...invoice, total: '172.00' }), { today });
    expect(r[0]!.message).toBe(
      'subtotal 135.00 + taxAmount 27.00 = 162.00, but total is 172.00 (off by 10.00).',
    );
  });

  it('checks receipts against the total when no subtotal is printed', () => {
    const receipt = {
      merchantName: 'CORAL COAST CAFE PTY LTD',
      date: '2024-05-01',
      currency: 'AUD',
      taxAmount: '1.00',
      total: '11.00',
      lineItems: [{ description: 'Flat White', quantity: '2', amount: '10.00' }],
    };
    expect(codes('receipt', receipt)).toEqual(['rule-failed:lineItems,total']);
    expect(codes('receipt', { ...receipt, total: '10.00' })).toEqual([]);
  });

  it('checks medical bill items against total charges', () => {
    const bill = {
      providerName: 'St. Anne Medical Center',
      patientName: 'Grace Kim',
      serviceDate: '2024-09-20',
      billDate: '2024-10-13',
      currency: 'USD',
      totalCharges: '459.49',
      amountDue: '459.49',
      lineItems: [{ description: '96374 IV push', quantity: '1', unitPrice: '317.50', amount: '317.50' }],
    };
    expect(codes('medical_bill', bill)).toEqual(['rule-failed:lineItems,totalCharges']);
    expect(codes('medical_bill', { ...bill, billDate: '2024-09-01' })).toContain(
      'rule-failed:serviceDate,billDate',
    );
  });

  it.each([
    ['2023', []],
    ['1985', ['rule-failed:taxYear']],
    ['2031', ['rule-failed:taxYear']],
  ])('checks that tax year %s is plausible', (taxYear, want) => {
    const w2 = {
      employerName: 'Keystone Corp.',
      employerId: '12-3456789',
      employeeName: 'Kevin Patel',
      employeeSsn: '900-12-3456',
      taxYear,
      currency: 'USD',
      wages: '52000.00',
      federalTaxWithheld: '6000.00',
    };
    expect(codes('wage_statement', w2)).toEqual(want);
  });

  it('asks a person about a date whose day and month could be swapped', () => {
    const r = validateFields(
      'invoice',
      { ...fields(invoice), invoiceDate: f('2024-04-03', ['ambiguous-date-order']) },
      { today },
    );
    expect(r).toEqual([expect.objectContaining({ code: 'ambiguous-date', fields: ['invoiceDate'] })]);
  });
});
