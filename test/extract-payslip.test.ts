import { describe, expect, it } from 'vitest';
import { payslipExtractor } from '../extractors/payslip.extractor.ts';
import { payslipGenerator } from '../samples/generator/payslip.ts';
import { readFromText } from './helpers/read-builder.ts';
import { expectGeneratedExact, expectInboxExact } from './helpers/sample-checks.ts';

describe('payslip extractor', () => {
  it('reads this period, not the year to date beside it', () => {
    const f = payslipExtractor.extract(
      readFromText([
        'Perniagaan Setia Engineering Sdn Bhd',
        'No. 17, Jalan SS 15/4, 47500 Subang Jaya, Selangor, Malaysia',
        'Salary Slip',
        'EMPLOYEE | EMP # | PAY PERIOD',
        'Wei Ling Wong | 168166 | 01-01-2023 to 31-01-2023',
        'EARNINGS | This Period | Year to Date',
        'Basic Salary | 6,208.00 | 18,624.00',
        'Total Gross | 6,208.00 | 18,624.00',
        'Total Deductions | 726.34 | 2,179.02',
        'NET PAY | MYR 5,481.66 | 16,444.98',
      ]),
    );
    expect(f.employerName?.value).toBe('Perniagaan Setia Engineering Sdn Bhd');
    expect(f.employeeName?.value).toBe('Wei Ling Wong');
    expect(f.employeeId?.value).toBe('168166');
    expect([f.payPeriodStart?.value, f.payPeriodEnd?.value]).toEqual(['2023-01-01', '2023-01-31']);
    expect([f.grossPay?.value, f.totalDeductions?.value, f.netPay?.value]).toEqual([
      '6208.00',
      '726.34',
      '5481.66',
    ]);
    expect(f.currency?.value).toBe('MYR');
  });

  it('does not take the employer for the employee', () => {
    const f = payslipExtractor.extract(
      readFromText([
        'Keystone Inc. | | Pay Statement',
        'Employer Name: Keystone Inc.',
        'Employee Name: Kevin Patel',
      ]),
    );
    expect(f.employeeName?.value).toBe('Kevin Patel');
  });

  it('reads the digital payslips of samples/inbox exactly', () =>
    expectInboxExact(payslipExtractor, 'payslip'));
  it('reads every field of generated payslips of every layout', () =>
    expectGeneratedExact(payslipExtractor, payslipGenerator));
});
