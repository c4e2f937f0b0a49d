import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type Tesseract from 'tesseract.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLineOcr } from '../pipeline/adapters/line-ocr.ts';
import { createOcrPool, linesFromBlocks, type OcrPool, rotationFromOsd } from '../pipeline/adapters/ocr.ts';
import { openPdf } from '../pipeline/adapters/pdf.ts';
import { isPipelineError } from '../pipeline/errors.ts';
import {
  type OcrStage,
  type OptionalStage,
  ocrImage,
  readMissedText,
  rereadWeakWords,
} from '../pipeline/read.ts';
import type { Word } from '../schemas/read.ts';
import { INVOICE_LINES, makeTextPdf } from './helpers/documents.ts';
import { SROIE_DIR } from './helpers/sroie.ts';

describe('OCR pool', () => {
  let pool: OcrPool;
  let page: Buffer;
  let truth: Word[];

  beforeAll(async () => {
    pool = createOcrPool({ size: 2 });
    const pdf = await openPdf(await makeTextPdf([INVOICE_LINES]));
    try {
      page = await pdf.renderPage(1, 300);
      truth = (await pdf.readTextLayer(1, 300)).lines.flatMap((l) => l.words);
    } finally {
      await pdf.close();
    }
  });
  afterAll(async () => {
    await pool.close();
  });

  it('reads a 300 dpi page with word boxes where the words were drawn', async () => {
    const { lines, confidence } = await pool.recognize(page);
    expect(confidence).toBeGreaterThan(0.8);
    const words = lines.flatMap((l) => l.words);
    for (const text of ['INV-2024-0042', 'Northwind', 'Portsmouth', 'Consulting', '2,886.60', 'business']) {
      const want = truth.find((w) => w.text === text)!;
      const got = words.find((w) => w.text === text);
      expect(got, `OCR found "${text}"`).toBeDefined();
      // Text-layer boxes include the font's ascent and descent; OCR boxes hug the ink.
      expect(Math.abs(got!.box.x0 - want.box.x0)).toBeLessThan(12);
      expect(Math.abs(got!.box.x1 - want.box.x1)).toBeLessThan(12);
      expect(got!.box.y0).toBeGreaterThanOrEqual(want.box.y0 - 6);
      expect(got!.box.y1).toBeLessThanOrEqual(want.box.y1 + 6);
      expect(got!.confidence).toBeGreaterThan(0.5);
      expect(got!.confidence).toBeLessThanOrEqual(1);
    }
    for (const line of lines) expect(line.text).toBe(line.words.map((w) => w.text).join(' '));
  });

  it('reads again, on its own, a word the page reading was unsure of, and keeps sure ones', async () => {
    const first = await pool.recognize(page);
    const i = first.lines.findIndex((l) => l.words.some((w) => w.text === 'Northwind'));
    expect(i).toBeGreaterThanOrEqual(0);
    // As if the page reading had garbled one word and been unsure of it.
    const garbled = {
      ...first,
      lines: first.lines.map((l, k) =>
        k === i
          ? {
              ...l,
              words: l.words.map((w) =>
                w.text === 'Northwind' ? { ...w, text: 'N0rth', confidence: 0.2 } : w,
              ),
            }
          : l,
      ),
    };
    const meta = await sharp(page).metadata();
    const pre = {
      png: page,
      width: meta.width!,
      height: meta.height!,
      dpi: 300,
      info: { rotation: 0 as const, deskewAngle: 0, scale: 1, steps: [] },
    };
    const fixed = await rereadWeakWords(pre, garbled, pool);
    const words = fixed.lines[i]!.words;
    expect(words.map((w) => w.text)).toContain('Northwind');
    expect(words.find((w) => w.text === 'Northwind')!.confidence).toBeGreaterThan(0.7);
    // The box is back in page coordinates.
    const before = first.lines[i]!.words.find((w) => w.text === 'Northwind')!;
    expect(Math.abs(words.find((w) => w.text === 'Northwind')!.box.x0 - before.box.x0)).toBeLessThan(6);
    // Lines without an unsure word are the same objects as before.
    expect(fixed.lines.filter((_, k) => k !== i)).toEqual(first.lines.filter((_, k) => k !== i));
  });

  it('reads a band of ink the page reading skipped, and adds nothing where it read everything', async () => {
    const first = await pool.recognize(page);
    const meta = await sharp(page).metadata();
    const pre = {
      png: await sharp(page).grayscale().png().toBuffer(),
      width: meta.width!,
      height: meta.height!,
      dpi: 300,
      info: { rotation: 0 as const, deskewAngle: 0, scale: 1, steps: [] },
    };
    // As if tesseract had skipped the line with the vendor's name.
    const skipped = first.lines.find((l) => l.words.some((w) => w.text === 'Northwind'))!;
    const without = { ...first, lines: first.lines.filter((l) => l !== skipped) };
    const found = await readMissedText(pre, without, pool);
    const again = found.lines.find((l) => l.words.some((w) => w.text === 'Northwind'));
    expect(again, JSON.stringify(found.lines.map((l) => l.text))).toBeDefined();
    expect(Math.abs(again!.box.y0 - skipped.box.y0)).toBeLessThan(10);
    expect(found.lines.length).toBe(first.lines.length);
    expect((await readMissedText(pre, first, pool)).lines).toEqual(first.lines);
  });

  it('leaves out of reading a scan the stages asked, and only those (the bench ablation)', async () => {
    const receipt = await readFile(`${SROIE_DIR}X00016469619.jpg`);
    const read = async (without?: OptionalStage[]) => {
      const stages = new Set<OcrStage>();
      let lineReads = 0;
      // The line reader's answer does not matter here, only whether it is asked.
      const counting: OcrPool = {
        ...pool,
        readLines: async () => {
          lineReads++;
          return [];
        },
      };
      const { result } = await ocrImage(receipt, null, counting, {
        onStage: (stage) => stages.add(stage),
        ...(without ? { without } : {}),
      });
      return { stages, lineReads, result };
    };
    const all = await read();
    for (const stage of ['reread-weak', 'read-missed', 'line-reader'] as const)
      expect(all.stages.has(stage), stage).toBe(true);
    expect(all.lineReads).toBe(1);
    const rereadsOff = await read(['reread-weak', 'read-missed']);
    expect(rereadsOff.stages.has('reread-weak')).toBe(false);
    expect(rereadsOff.stages.has('read-missed')).toBe(false);
    expect(rereadsOff.lineReads).toBe(1);
    const bare = await read(['reread-weak', 'read-missed', 'line-reader']);
    expect(bare.lineReads).toBe(0);
    expect(
      [...bare.stages].some((s) => ['reread-weak', 'read-missed', 'line-reader', 'fusion'].includes(s)),
    ).toBe(false);
    expect(bare.result.lines.some((l) => l.text.includes('INDAH'))).toBe(true);
  });

  it('reads a line cropped from a page as one line, and reads pages in page mode after it', async () => {
    // One worker, so the line and the pages after it are read by the same one.
    const single = createOcrPool({ size: 1, lineReader: false, languages: ['eng'] });
    try {
      const first = await single.recognize(page);
      const line = first.lines.find((l) => l.words.some((w) => w.text === 'Northwind'))!;
      const pad = Math.round((line.box.y1 - line.box.y0) * 0.5);
      const crop = await sharp(page)
        .extract({
          left: line.box.x0 - pad,
          top: line.box.y0 - pad,
          width: line.box.x1 - line.box.x0 + 2 * pad,
          height: line.box.y1 - line.box.y0 + 2 * pad,
        })
        .png()
        .toBuffer();
      const alone = await single.recognizeLine!(crop);
      expect(alone.lines).toHaveLength(1);
      expect(alone.lines[0]!.text).toBe(line.text);
      expect(await single.recognize(page)).toEqual(first);
    } finally {
      await single.close();
    }
  });

  it('tells which way a page is turned', async () => {
    const sideways = await sharp(page).rotate(90).png().toBuffer();
    expect((await pool.detectOrientation(sideways)).rotation).toBe(270);
    const upright = await pool.detectOrientation(page);
    expect(upright.rotation).toBe(0);
    expect(upright.confidence).toBeGreaterThan(1);
  });

  it('answers "upright, no confidence" when OSD finds too little text', async () => {
    const blank = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    expect(await pool.detectOrientation(blank)).toEqual({ rotation: 0, confidence: 0 });
    expect(await pool.recognize(blank)).toEqual({ lines: [], confidence: 0 });
  });

  it('queues more jobs than workers and gives the same answer for the same image', async () => {
    const strip = await sharp(page).extract({ left: 0, top: 250, width: 2480, height: 450 }).png().toBuffer();
    const results = await Promise.all([1, 2, 3, 4].map(() => pool.recognize(strip)));
    expect(results[0]!.lines.length).toBeGreaterThan(1);
    for (const r of results) expect(r).toEqual(results[0]);
  });
});

describe('OCR pool failures', () => {
  it('fails a job that runs past its timeout with a retryable error, and closes cleanly', async () => {
    const pool = createOcrPool({ size: 1, timeoutMs: 1 });
    const png = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    const error = await pool.recognize(png).catch((e) => e);
    expect(isPipelineError(error)).toBe(true);
    expect(error.code).toBe('internal-error');
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/longer than/);
    await pool.close();
    await pool.close();
    const afterClose = await pool.recognize(png).catch((e) => e);
    expect(isPipelineError(afterClose) && afterClose.code).toBe('internal-error');
  });
});

describe('converting tesseract output', () => {
  it('flattens blocks to lines, drops empty words and scales confidence to 0..1', () => {
    const bbox = (x0: number) => ({ x0, y0: 10, x1: x0 + 50, y1: 30 });
    const word = (text: string, confidence: number, x0: number) => ({ text, confidence, bbox: bbox(x0) });
    const blocks = [
      {
        paragraphs: [
          {
            lines: [
              { bbox: bbox(0), words: [word('Total', 90, 0), word(' ', 10, 60), word('9.00', 70, 120)] },
              { bbox: bbox(0), words: [word('', 0, 0)] },
            ],
          },
        ],
      },
    ] as unknown as Tesseract.Block[];
    const { lines, confidence } = linesFromBlocks(blocks);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.text).toBe('Total 9.00');
    expect(lines[0]!.words.map((w) => w.confidence)).toEqual([0.9, 0.7]);
    expect(confidence).toBeCloseTo(0.8);
    expect(linesFromBlocks(null)).toEqual({ lines: [], confidence: 0 });
  });

  it('maps OSD degrees to the clockwise turn that makes the page upright', () => {
    expect([0, 90, 180, 270, null].map(rotationFromOsd)).toEqual([0, 90, 180, 270, 0]);
  });
});

describe('line reader (PaddleOCR through onnxruntime)', () => {
  it('reads the lines of a real dot-matrix receipt, with boxes on the page and a slant', async () => {
    const reader = createLineOcr();
    // Enlarged twice, as preprocessing enlarges a receipt this small (439 px wide).
    const png = await sharp(`${SROIE_DIR}X00016469619.jpg`).resize(878).png().toBuffer();
    const lines = await reader.readLines(png);
    await reader.close();
    const texts = lines.map((l) => l.text);
    // Tesseract reads this receipt's "60.30" as "40.31" and its address as "DEDAF".
    expect(texts).toContain('INDAH GIFT & HOME DECO');
    expect(texts.some((t) => t.includes('DEDAP'))).toBe(true);
    expect(texts.some((t) => t.includes('60.30'))).toBe(true);
    for (const l of lines) {
      expect(l.box.x1).toBeLessThanOrEqual(880);
      expect(l.middle!.h).toBeGreaterThan(5);
      expect(l.confidence).toBeGreaterThan(0);
    }
  });

  it('puts each line where the dataset says it is printed, on a page of any size', async () => {
    // 780 x 2044: shrunk to 611 x 1600, sizes the detector would stretch to 640 x 1600.
    const id = 'X51005268472';
    const truth = (await readFile(`${SROIE_DIR}ocr-lines/${id}.csv`, 'utf8'))
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => {
        const parts = l.split(',');
        const [x0, y0, , , x1, y1] = parts.slice(0, 8).map(Number) as number[];
        return { text: parts.slice(8).join(','), x: (x0! + x1!) / 2, y: (y0! + y1!) / 2, h: y1! - y0! };
      });
    const reader = createLineOcr();
    const lines = await reader.readLines(await sharp(`${SROIE_DIR}${id}.jpg`).png().toBuffer());
    await reader.close();
    // Lines printed once (an item bought twice is printed twice).
    const matched = lines.flatMap((l) => {
      const same = truth.filter((x) => x.text === l.text);
      return same.length === 1 ? [{ l, t: same[0]! }] : [];
    });
    expect(matched.length).toBeGreaterThanOrEqual(8);
    for (const { l, t } of matched) {
      expect(Math.abs((l.box.y0 + l.box.y1) / 2 - t.y), l.text).toBeLessThan(0.3 * t.h);
      expect(Math.abs((l.box.x0 + l.box.x1) / 2 - t.x), l.text).toBeLessThan(t.h);
    }
  });

  it('fails a page it cannot decode with a retryable pipeline error, not a crash', async () => {
    const reader = createLineOcr();
    const e = await reader.readLines(Buffer.from('not an image')).catch((x: unknown) => x);
    expect(isPipelineError(e) && e.retryable).toBe(true);
  });
});
