import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyConfidenceModel,
  DEFAULT_CONFIDENCE_MODEL_PATH,
  fieldSignals,
  INPUTS,
  loadConfidenceModel,
  SIGNALS,
  secondLook,
  signalsOf,
} from '../pipeline/confidence.ts';
import { ConfigError } from '../pipeline/config.ts';
import { fitLogistic, predictLogistic, sigmoid } from '../pipeline/logistic-regression.ts';
import { sameReading } from '../pipeline/vendor-memory.ts';
import type { ExtractedFields } from '../schemas/common.ts';
import type { ReadResult } from '../schemas/read.ts';

/** A deterministic stream of uniforms in [0, 1): the fit must not depend on Math.random. */
function uniforms(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('logistic regression', () => {
  const next = uniforms(42);
  // Right values come from a known logistic law in two inputs; a third input is noise.
  const xs: number[][] = [];
  const ys: boolean[] = [];
  for (let i = 0; i < 4000; i++) {
    const x = [next() * 4 - 2, next() * 4 - 2, next()];
    xs.push(x);
    ys.push(next() < sigmoid(0.5 + 2 * x[0]! - 1 * x[1]!));
  }
  const fit = fitLogistic(xs, ys, { l2: 0.01 });

  it('recovers the law the data were drawn from', () => {
    const at = (x: number[]) => predictLogistic(fit, x);
    for (const x of [
      [0, 0, 0.5],
      [1, -1, 0.5],
      [-1, 1, 0.5],
      [0.5, 0.5, 0.1],
    ]) {
      expect(at(x)).toBeCloseTo(sigmoid(0.5 + 2 * x[0]! - x[1]!), 1);
    }
    // The noise input's weight is small next to the real ones (weights are per standardised unit).
    expect(Math.abs(fit.weights[2]!)).toBeLessThan(0.15 * Math.abs(fit.weights[0]!));
  });

  it('is calibrated on its own data: predicted and observed rates agree by decile', () => {
    const scored = xs.map((x, i) => ({ p: predictLogistic(fit, x), y: ys[i]! }));
    scored.sort((a, b) => a.p - b.p);
    for (let d = 0; d < 10; d++) {
      const bin = scored.slice(d * 400, (d + 1) * 400);
      const predicted = bin.reduce((s, e) => s + e.p, 0) / bin.length;
      const observed = bin.filter((e) => e.y).length / bin.length;
      expect(Math.abs(predicted - observed)).toBeLessThan(0.06);
    }
  });

  it('stays finite on separable data, where the unpenalised optimum is at infinity', () => {
    const sep = fitLogistic([[0], [1], [2], [3]], [false, false, true, true], { l2: 1 });
    expect(sep.weights.every(Number.isFinite)).toBe(true);
    expect(predictLogistic(sep, [3])).toBeGreaterThan(0.5);
    expect(predictLogistic(sep, [0])).toBeLessThan(0.5);
  });
});

const read: ReadResult = {
  pages: [
    {
      number: 1,
      source: 'ocr',
      width: 1000,
      height: 2000,
      dpi: 300,
      ocrConfidence: 0.9,
      preprocess: null,
      lines: [
        {
          text: 'TOTAL 12.30',
          box: { x0: 100, y0: 1500, x1: 600, y1: 1540 },
          words: [
            { text: 'TOTAL', confidence: 0.95, box: { x0: 100, y0: 1500, x1: 300, y1: 1540 } },
            { text: '12.30', confidence: 0.6, box: { x0: 400, y0: 1500, x1: 600, y1: 1540 } },
          ],
        },
      ],
    },
  ],
} as unknown as ReadResult;

describe('field signals', () => {
  it("take the OCR confidence of the value's own words and its place on the page", () => {
    const s = fieldSignals(
      'total',
      {
        value: '12.30',
        confidence: 0.9,
        evidence: [{ page: 1, box: { x0: 390, y0: 1495, x1: 610, y1: 1545 }, text: '12.30' }],
        flags: ['sum-matches'],
      },
      { read, classConfidence: 0.8, reasons: [] },
    );
    expect(s.ocrMean).toBeCloseTo(0.6);
    expect(s.yCentre).toBeCloseTo(0.76, 2);
    expect(s.derived).toBe(0);
    expect(Object.keys(s)).toEqual([...SIGNALS]);
  });

  it('mark a field a failed rule names', () => {
    const fields: ExtractedFields = {
      total: { value: '12.30', confidence: 0.9, evidence: [] },
      date: { value: '2024-03-04', confidence: 0.9, evidence: [] },
    };
    const s = signalsOf(fields, {
      read,
      classConfidence: 0.8,
      reasons: [{ code: 'rule-failed', fields: ['total'], message: 'subtotal + tax ≠ total' }],
    });
    expect(s.total!.ruleFailed).toBe(1);
    expect(s.date!.ruleFailed).toBe(0);
    expect(s.total!.derived).toBe(1);
  });
});

describe('the second look at a name', () => {
  it('takes two readings of one printed name as one name, forgiving what OCR confuses', () => {
    expect(sameReading('TEO HENG STATIONERY & BOOKS', 'TED HENG STATIONERY & BOOKS')).toBe(true);
    expect(sameReading('UNIHAKKA INTERNATIONAL SDN BHD', 'UNIHAKKA INTERNATIONAL SON 8HD (867388-U)')).toBe(
      true,
    );
    expect(sameReading('CW KHOO HARDWARE', 'C W KHOO HARDWARE')).toBe(false);
    expect(sameReading('LAN HING', 'LIAN HING')).toBe(false);
    expect(sameReading('SDN BHD', '')).toBe(false);
  });

  it('tells the model whether the lines a name came from read the same alone', () => {
    const box = { x0: 100, y0: 50, x1: 700, y1: 100 };
    const page = (alone?: string) => ({
      ...read.pages[0]!,
      lines: [
        {
          text: 'CW KHOO HARDWARE',
          box,
          confidence: 0.9,
          words: [],
          ...(alone === undefined ? {} : { alone }),
        },
      ],
    });
    const field = {
      value: 'CW KHOO HARDWARE',
      confidence: 0.9,
      evidence: [{ page: 1, box, text: 'CW KHOO HARDWARE' }],
    };
    expect(secondLook('merchantName', field, page('CW KHOO HARDWARE SDN BHD'))).toBe(1);
    expect(secondLook('merchantName', field, page('C W KHOO HARDWARE'))).toBe(-1);
    expect(secondLook('merchantName', field, page())).toBe(0);
    // The line is what is read twice: a name that is only part of it agrees when the line does.
    const part = { ...field, value: 'KHOO HARDWARE' };
    expect(secondLook('merchantName', part, page('CW KHOO HARDWARE'))).toBe(1);
    expect(secondLook('merchantName', part, page('CW KHOO HARDWAKE'))).toBe(-1);
    // Only names: a date or a total is rarely the whole of its line.
    expect(secondLook('address', field, page('C W KHOO HARDWARE'))).toBe(0);
    const s = fieldSignals('merchantName', field, {
      read: { pages: [page('C W KHOO HARDWARE')] },
      classConfidence: 0.9,
      reasons: [],
    });
    expect([s.secondLookAgrees, s.secondLookDiffers]).toEqual([0, 1]);
  });
});

describe('confidence model file', () => {
  const dir = mkdtemp(join(tmpdir(), 'paperline-model-'));
  const write = async (name: string, body: string) => {
    const path = join(await dir, name);
    await writeFile(path, body);
    return path;
  };

  it('the committed model loads, names the command that rebuilds it, and covers the receipt fields', async () => {
    const model = await loadConfidenceModel(DEFAULT_CONFIDENCE_MODEL_PATH);
    expect(model.command).toMatch(/bench\/fit-confidence\.ts/);
    expect(model.inputs).toEqual([...INPUTS]);
    for (const f of ['receipt.date', 'receipt.total', 'receipt.merchantName'])
      expect(model.fields).toContain(f);
  });

  it('turns covered fields into its probabilities and leaves the others as the rules set them', async () => {
    const model = await loadConfidenceModel(DEFAULT_CONFIDENCE_MODEL_PATH);
    const fields: ExtractedFields = {
      total: { value: '12.30', confidence: 0.9, evidence: [], flags: ['sum-matches'] },
      notAField: { value: 'x', confidence: 0.42, evidence: [] },
    };
    const ctx = { read, classConfidence: 0.9, reasons: [] };
    const out = applyConfidenceModel(model, 'receipt', fields, signalsOf(fields, ctx));
    expect(out.notAField!.confidence).toBe(0.42);
    expect(out.total!.confidence).toBeGreaterThan(0);
    expect(out.total!.confidence).toBeLessThan(1);
    // A failed rule about the total costs it confidence under the model.
    const doubted = applyConfidenceModel(
      model,
      'receipt',
      fields,
      signalsOf(fields, { ...ctx, reasons: [{ code: 'rule-failed', fields: ['total'], message: '' }] }),
    );
    expect(doubted.total!.confidence).toBeLessThan(out.total!.confidence);
  });

  it('refuses a file that is not JSON, with its path', async () => {
    const path = await write('broken.json', '{"version": 2,');
    await expect(loadConfidenceModel(path)).rejects.toThrow(ConfigError);
    await expect(loadConfidenceModel(path)).rejects.toThrow(/Cannot read confidence model .*broken\.json/);
  });

  it('refuses a model fitted to other signals, saying so', async () => {
    const good = JSON.parse(await readFile(DEFAULT_CONFIDENCE_MODEL_PATH, 'utf8'));
    const path = await write('old.json', JSON.stringify({ ...good, inputs: good.inputs.slice(1) }));
    await expect(loadConfidenceModel(path)).rejects.toThrow(/fitted to another version of the signals/);
  });

  it('refuses weights of the wrong length and an unknown version', async () => {
    const good = JSON.parse(await readFile(DEFAULT_CONFIDENCE_MODEL_PATH, 'utf8'));
    const short = await write(
      'short.json',
      JSON.stringify({ ...good, model: { ...good.model, weights: good.model.weights.slice(2) } }),
    );
    await expect(loadConfidenceModel(short)).rejects.toThrow(/Invalid confidence model .*model\.weights/);
    const v1 = await write('v1.json', JSON.stringify({ ...good, version: 1 }));
    await expect(loadConfidenceModel(v1)).rejects.toThrow(/Invalid confidence model .*version/);
  });

  it('a missing file is a configuration error, not a crash', async () => {
    await expect(loadConfidenceModel(join(await dir, 'absent.json'))).rejects.toThrow(ConfigError);
  });
});
