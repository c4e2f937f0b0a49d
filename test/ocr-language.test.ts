import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOcrPool, type OcrPool } from '../pipeline/adapters/ocr.ts';
import { openPdf } from '../pipeline/adapters/pdf.ts';
import { LANGUAGE_STEP, ocrImage } from '../pipeline/read.ts';

const GERMAN_PDF = '/work/shared/datasets/einvoice-dev/XML-Rechnung_FX_EN16931_Einfach.pdf';
const texts = (lines: { text: string }[]) => lines.flatMap((l) => l.text.split(' '));

describe.skipIf(!existsSync(GERMAN_PDF))('OCR in the page language', () => {
  let pool: OcrPool;
  let english: OcrPool;
  let page: Buffer;

  beforeAll(async () => {
    pool = createOcrPool({ size: 1 });
    english = createOcrPool({ size: 1, languages: ['eng'] });
    const pdf = await openPdf(new Uint8Array(await readFile(GERMAN_PDF)));
    try {
      page = await pdf.renderPage(1, 200);
    } finally {
      await pdf.close();
    }
  });
  afterAll(async () => {
    await Promise.all([pool?.close(), english?.close()]);
  });

  it('reads a German invoice with the German model and gets its umlauts and ß right', async () => {
    const { pre, result } = await ocrImage(page, 200, pool);
    expect(pre.info.steps).toContain(`${LANGUAGE_STEP}deu+eng`);
    const words = texts(result.lines);
    expect(words).toContain('Lieferantenstraße');
    expect(words).toContain('München');
  });

  it('reads it English-only when the pool has only English, and misses them', async () => {
    const { pre, result } = await ocrImage(page, 200, english);
    expect(pre.info.steps.some((s) => s.startsWith(LANGUAGE_STEP))).toBe(false);
    const words = texts(result.lines);
    // Measured: the English model reads "LieferantenstraBe" and "Munchen".
    expect(words).not.toContain('Lieferantenstraße');
    expect(words).not.toContain('München');
  });
});
