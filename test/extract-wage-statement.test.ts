import { describe, expect, it } from 'vitest';
import { wageStatementExtractor } from '../extractors/wage-statement.extractor.ts';
import { wageStatementGenerator } from '../samples/generator/wage-statement.ts';
import { readFromText } from './helpers/read-builder.ts';
import { expectGeneratedExact, expectInboxExact } from './helpers/sample-checks.ts';

describe('W-2 extractor', () => {
  it('reads boxed values under their labels, each in its own box', () => {
    const f = wageStatementExtractor.extract(
      readFromText([
        "a Employee's social security number",
        '900-12-3456',
        'b Employer identification number (EIN)',
        '12-3456789',
        "c Employer's name, address, and ZIP code",
        'Keystone Logistics Inc.',
        '14 Main Street',
        "e Employee's name f Employee's address and ZIP code",
        'Kevin Patel',
        '1 Wages, tips, other compensation | | 2 Federal income tax withheld',
        ' | 52000.00 | | 6240.00',
        '3 Social security wages | | 4 Social security tax withheld',
        ' | 54,000.00 | | 3,348.00',
        'Form W-2 Wage and Tax Statement 2023',
      ]),
    );
    expect(f.employerName?.value).toBe('Keystone Logistics Inc.');
    expect(f.employerId?.value).toBe('12-3456789');
    expect(f.employeeName?.value).toBe('Kevin Patel');
    expect(f.employeeSsn?.value).toBe('900-12-3456');
    expect(f.taxYear?.value).toBe('2023');
    expect(f.currency?.value).toBe('USD');
    expect([f.wages?.value, f.federalTaxWithheld?.value]).toEqual(['52000.00', '6240.00']);
    expect([f.socialSecurityWages?.value, f.socialSecurityTax?.value]).toEqual(['54000.00', '3348.00']);
  });

  it('reads the digital W-2s of samples/inbox exactly', () =>
    expectInboxExact(wageStatementExtractor, 'wage_statement'));
  it('reads every field of generated W-2s of every layout', () =>
    expectGeneratedExact(wageStatementExtractor, wageStatementGenerator));
});
