import { describe, expect, it } from 'vitest';
import { claimFormExtractor } from '../extractors/claim-form.extractor.ts';
import { claimFormGenerator } from '../samples/generator/claim-form.ts';
import { readFromText } from './helpers/read-builder.ts';
import { expectGeneratedExact, expectInboxExact } from './helpers/sample-checks.ts';

describe('claim form extractor', () => {
  it('reads "Label: value" lines, a multi-line description and the signing date', () => {
    const f = claimFormExtractor.extract(
      readFromText([
        'Meridian General Insurance plc',
        'Motor Insurance Claim',
        'Policy No.: | VU 5561 3865',
        'Full name of claimant: | Grace Evans',
        'Date of birth: | 12/02/1980',
        'Date of Accident: | 12/02/2024',
        'Total Amount Claimed: | GBP 1,250.00',
        'Describe what happened:',
        'While stopped at traffic lights my car was hit',
        'from behind by another vehicle.',
        '',
        '',
        'Claim type: Motor',
        'Date Signed: 01/03/2024',
      ]),
    );
    expect(f.insurerName?.value).toBe('Meridian General Insurance plc');
    expect(f.policyNumber?.value).toBe('VU 5561 3865');
    expect(f.claimantName?.value).toBe('Grace Evans');
    expect(f.incidentDate?.value).toBe('2024-02-12');
    expect(f.claimDate?.value).toBe('2024-03-01');
    expect(f.amountClaimed?.value).toBe('1250.00');
    expect(f.currency?.value).toBe('GBP');
    expect(f.description?.value).toBe(
      'While stopped at traffic lights my car was hit from behind by another vehicle.',
    );
  });

  it('reads the digital claim forms of samples/inbox exactly', () =>
    expectInboxExact(claimFormExtractor, 'claim_form'));
  it('reads every field of generated claim forms of every layout', () =>
    expectGeneratedExact(claimFormExtractor, claimFormGenerator));
});
