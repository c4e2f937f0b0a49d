import { describe, expect, it } from 'vitest';
import {
  aggregate,
  characterErrors,
  normaliseText,
  scoreDocument,
  scoreValue,
} from '../pipeline/evaluation.ts';
import type { DocumentOutcome } from '../pipeline/process-document.ts';

describe('scoreValue', () => {
  it('normalises text the way issue 3 says', () => {
    expect(normaliseText('  ＡＢＣ  Sdn   Bhd. ')).toBe('abc sdn bhd');
    expect(scoreValue('MR D.I.Y. (JOHOR) SDN BHD', 'mr d.i.y. (johor)  sdn bhd').correct).toBe(true);
    expect(scoreValue('MR D.I.Y. (JOHOR) SDN BHD', 'MR D.I.Y. (JOHOR) SDN BND').correct).toBe(false);
  });

  it('compares amounts to the cent and dates as dates', () => {
    expect(scoreValue('9.00', '9.0').correct).toBe(true);
    expect(scoreValue('9.00', '9.01').correct).toBe(false);
    expect(scoreValue('2018-12-25', '2018-12-25').correct).toBe(true);
    expect(scoreValue('2018-12-25', '2018-25-12').correct).toBe(false);
    expect(scoreValue('9.00', undefined)).toEqual({ correct: false, similarity: 0 });
  });

  it('gives near misses a similarity between 0 and 1', () => {
    const s = scoreValue('TAMAN DAYA', 'TAMAN DAVA');
    expect(s.correct).toBe(false);
    expect(s.similarity).toBeCloseTo(0.9, 5);
  });
});

describe('aggregate', () => {
  const truth = {
    file_name: 'a.jpg',
    docType: 'receipt' as const,
    department: 'finance' as const,
    fields: { total: '9.00', date: '2018-12-25' },
  };
  const posted = (total: string): DocumentOutcome => ({
    kind: 'posted',
    record: {
      id: 'x',
      sourceFile: 'a.jpg',
      sha256: '0'.repeat(64),
      docType: 'receipt',
      department: 'finance',
      classConfidence: 1,
      fields: {
        total: { value: total, confidence: 1, evidence: [] },
        date: { value: '2018-12-25', confidence: 1, evidence: [] },
      },
      pages: [],
      schemaVersion: '1',
      processedAt: '',
    },
  });

  it('counts STP and the posted-field error rate', () => {
    const scores = [
      scoreDocument(truth, posted('9.00'), { seconds: 1, cer: null }),
      scoreDocument(truth, posted('8.00'), { seconds: 1, cer: { errors: 1, length: 10 } }),
    ];
    const r = aggregate(scores, 2);
    expect(r.stpRate).toBe(1);
    expect(r.postedFieldErrorRate).toBe(0.25);
    expect(r.fields['receipt.total']).toEqual({ n: 2, accuracy: 0.5, similarity: expect.any(Number) });
    expect(r.classificationAccuracy).toBe(1);
    expect(r.ocrCharacterErrorRate).toBe(0.1);
  });

  it('measures character errors on collapsed whitespace', () => {
    expect(characterErrors('TOTAL  9.00\nCASH', 'TOTAL 9.00 CASH')).toEqual({ errors: 0, length: 15 });
    expect(characterErrors('abc', 'abd').errors).toBe(1);
  });
});
