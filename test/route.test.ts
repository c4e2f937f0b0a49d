import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadThresholds } from '../pipeline/config.ts';
import { FUSED_STEP } from '../pipeline/ocr-fusion.ts';
import { reviewReasonsFor } from '../pipeline/review.ts';
import { route } from '../pipeline/route.ts';
import type { ExtractedFields } from '../schemas/common.ts';
import type { PageRead } from '../schemas/read.ts';

const field = (value: unknown, confidence = 0.95) => ({ value, confidence, evidence: [] });
const receipt = (): ExtractedFields => ({
  merchantName: field('KEDAI RUNCIT SDN BHD'),
  date: field('2024-03-04'),
  currency: field('MYR'),
  total: field('12.30'),
});

describe('route', async () => {
  const thresholds = await loadThresholds();

  describe('posting policy', () => {
    const policy = (p: Record<string, 'required' | 'optional' | 'ignored'>) => ({
      default: { classConfidence: 0.5, fieldConfidence: 0.6 },
      types: { receipt: { fields: { merchantAddress: 0.9, taxAmount: 0.9 }, policy: p } },
    });

    it('withholds a doubtful optional field and posts the rest, without a review reason', () => {
      const fields = { ...receipt(), merchantAddress: field('1 JALAN SAGU', 0.5) };
      const d = route({
        docType: 'receipt',
        classConfidence: 0.9,
        fields,
        validation: [],
        thresholds: policy({}),
      });
      expect(d).toEqual({ outcome: 'posted', withheld: ['merchantAddress'], ignored: [] });
    });

    it('sends a doubtful field to review when the policy requires it', () => {
      const fields = { ...receipt(), merchantAddress: field('1 JALAN SAGU', 0.5) };
      const t = policy({ merchantAddress: 'required' });
      const d = route({ docType: 'receipt', classConfidence: 0.9, fields, validation: [], thresholds: t });
      expect(d.outcome).toBe('review');
      if (d.outcome === 'review') expect(d.reasons.map((r) => r.code)).toEqual(['low-confidence']);
    });

    it('names a required field the document lacks, schema-required or made required by policy', () => {
      const { merchantName: _m, ...rest } = receipt();
      const t = policy({ merchantAddress: 'required' });
      const d = route({
        docType: 'receipt',
        classConfidence: 0.9,
        fields: rest,
        validation: [],
        thresholds: t,
      });
      expect(d.outcome).toBe('review');
      if (d.outcome === 'review') {
        expect(d.reasons).toContainEqual(
          expect.objectContaining({ code: 'missing-field', fields: ['merchantName', 'merchantAddress'] }),
        );
      }
    });

    it('neither checks nor posts an ignored field, and drops rules about it alone', () => {
      const fields = { ...receipt(), taxAmount: field('9.99', 0.1) };
      const rule = { code: 'rule-failed' as const, fields: ['taxAmount'], message: 'tax is off' };
      const d = route({
        docType: 'receipt',
        classConfidence: 0.9,
        fields,
        validation: [rule],
        thresholds: policy({ taxAmount: 'ignored' }),
      });
      expect(d).toEqual({ outcome: 'posted', withheld: [], ignored: ['taxAmount'] });
    });

    it('refuses a thresholds file that makes a schema-required field optional', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'paperline-policy-'));
      const path = join(dir, 'thresholds.json');
      await writeFile(path, JSON.stringify(policy({ total: 'optional' })));
      await expect(loadThresholds(path)).rejects.toThrow(
        /receipt schema requires total; it cannot be optional/,
      );
    });

    it('prints compared numbers with the digits that tell them apart', () => {
      const fields = { ...receipt(), total: field('12.30', 0.96) };
      const t = { default: { classConfidence: 0.5, fieldConfidence: 0.961 }, types: {} };
      const d = route({ docType: 'receipt', classConfidence: 0.9, fields, validation: [], thresholds: t });
      expect(d.outcome).toBe('review');
      if (d.outcome === 'review')
        expect(d.reasons.map((r) => r.message)).toContain(
          'total was read with confidence 0.960, below 0.961.',
        );
    });
  });

  it('posts a confident, valid document', () => {
    const d = route({
      docType: 'receipt',
      classConfidence: 0.9,
      fields: receipt(),
      validation: [],
      thresholds,
    });
    expect(d).toEqual({ outcome: 'posted', withheld: [], ignored: [] });
  });

  it('holds a field read off a fused page to the fused threshold, others to the plain one', () => {
    const t = {
      default: { classConfidence: 0.5, fieldConfidence: 0.6 },
      types: { receipt: { fields: { total: 0.8 }, fusedFields: { total: 0.9 } } },
    };
    const fields = receipt();
    fields.total = { value: '12.30', confidence: 0.85, evidence: [{ page: 1, box: null, text: '12.30' }] };
    const plain = route({ docType: 'receipt', classConfidence: 0.9, fields, validation: [], thresholds: t });
    expect(plain.outcome).toBe('posted');
    const fused = route({
      docType: 'receipt',
      classConfidence: 0.9,
      fields,
      validation: [],
      thresholds: t,
      fusedPages: new Set([1]),
    });
    expect(fused.outcome).toBe('review');
    if (fused.outcome === 'review') expect(fused.reasons[0]?.message).toContain('below 0.9');

    // After a reviewer's correction the same holds: the stored read says which pages were fused.
    const page = (steps: string[]): PageRead => ({
      number: 1,
      source: 'ocr',
      width: 100,
      height: 100,
      dpi: 300,
      lines: [],
      preprocess: { rotation: 0, deskewAngle: 0, scale: 1, steps },
      ocrConfidence: 0.8,
    });
    expect(reviewReasonsFor('receipt', 0.9, fields, t, { pages: [page(['grayscale'])] })).toEqual([]);
    const held = reviewReasonsFor('receipt', 0.9, fields, t, { pages: [page(['grayscale', FUSED_STEP])] });
    expect(held.map((r) => r.code)).toEqual(['low-confidence']);
  });

  it('sends unknown documents to review', () => {
    const d = route({ docType: 'unknown', classConfidence: 0.2, fields: {}, validation: [], thresholds });
    expect(d.outcome).toBe('review');
    if (d.outcome === 'review') expect(d.reasons[0]?.code).toBe('unknown-type');
  });

  it('names every missing and low-confidence required field', () => {
    const fields = receipt();
    delete fields.total;
    fields.date = field('2024-03-04', 0.1);
    const d = route({ docType: 'receipt', classConfidence: 0.9, fields, validation: [], thresholds });
    expect(d.outcome).toBe('review');
    if (d.outcome !== 'review') return;
    expect(d.reasons).toContainEqual(expect.objectContaining({ code: 'missing-field', fields: ['total'] }));
    expect(d.reasons).toContainEqual(expect.objectContaining({ code: 'low-confidence', fields: ['date'] }));
  });

  it('sends a document with a failed rule to review, and a weakly classified one', () => {
    const rule = { code: 'rule-failed' as const, fields: ['subtotal', 'taxAmount', 'total'], message: 'x' };
    const d = route({
      docType: 'receipt',
      classConfidence: 0.1,
      fields: receipt(),
      validation: [rule],
      thresholds,
    });
    expect(d.outcome).toBe('review');
    if (d.outcome !== 'review') return;
    expect(d.reasons.map((r) => r.code).sort()).toEqual(['low-class-confidence', 'rule-failed']);
  });
});

describe('loadThresholds', () => {
  it('reports every bad key at once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paperline-'));
    const path = join(dir, 't.json');
    await writeFile(
      path,
      JSON.stringify({ default: { classConfidence: 2, fieldConfidence: 'x' }, types: {} }),
    );
    const err = await loadThresholds(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/default\.classConfidence/);
    expect((err as Error).message).toMatch(/default\.fieldConfidence/);
  });
});
