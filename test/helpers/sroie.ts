import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Line, ReadResult, Word } from '../../schemas/read.ts';

/**
 * Where the 100 real SROIE receipts live (see its SOURCE.md): `PAPERLINE_SROIE_DIR` when set,
 * else `../shared/datasets/sroie-dev` beside the checkout, else the workplace's
 * `/work/shared/datasets/sroie-dev`, so a clone anywhere on the machine (CI's clean clone in a
 * temporary folder) finds it. Ends in "/".
 */
export const SROIE_DIR = (() => {
  const candidates = [
    process.env.PAPERLINE_SROIE_DIR,
    fileURLToPath(new URL('../../../shared/datasets/sroie-dev/', import.meta.url)),
    '/work/shared/datasets/sroie-dev/',
  ].filter((d): d is string => Boolean(d));
  const found = candidates.find((d) => existsSync(join(d, 'metadata.jsonl'))) ?? candidates[0]!;
  return found.endsWith('/') ? found : `${found}/`;
})();

/**
 * Turns a SROIE line transcript (`x1,y1,…,x4,y4,text` per line, text may hold commas) into
 * the ReadResult an OCR page would give: one word per whitespace token, each with a box cut
 * from its line in proportion to its characters. The transcripts carry no confidences; all
 * words get `wordConfidence`, as if a good OCR engine had read them.
 */
export function csvToReadResult(csv: string, wordConfidence = 0.9): ReadResult {
  const lines: Line[] = [];
  for (const raw of csv.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const cells = raw.split(',');
    if (cells.length < 9) continue;
    const nums = cells.slice(0, 8).map(Number);
    if (nums.some(Number.isNaN)) continue;
    const text = cells.slice(8).join(',').trim();
    if (!text) continue;
    const xs = [nums[0]!, nums[2]!, nums[4]!, nums[6]!];
    const ys = [nums[1]!, nums[3]!, nums[5]!, nums[7]!];
    const box = { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
    const charWidth = (box.x1 - box.x0) / text.length;
    const words: Word[] = [];
    for (const m of text.matchAll(/\S+/g)) {
      const x0 = box.x0 + m.index * charWidth;
      words.push({
        text: m[0],
        box: { x0, y0: box.y0, x1: x0 + m[0].length * charWidth, y1: box.y1 },
        confidence: wordConfidence,
      });
    }
    lines.push({ text: words.map((w) => w.text).join(' '), box, confidence: wordConfidence, words });
  }
  lines.sort((a, b) => a.box.y0 + a.box.y1 - (b.box.y0 + b.box.y1));
  return {
    pages: [
      {
        number: 1,
        source: 'ocr',
        width: Math.max(1, ...lines.map((l) => l.box.x1)),
        height: Math.max(1, ...lines.map((l) => l.box.y1)),
        dpi: 200,
        lines,
        preprocess: { rotation: 0, deskewAngle: 0, scale: 1, steps: [] },
        ocrConfidence: wordConfidence,
      },
    ],
  };
}

export interface SroieCase {
  id: string;
  read: ReadResult;
  truth: Record<string, string>;
}

/** The receipts of the SROIE slice with their ground truth, in file order. */
export function loadSroie(dir = SROIE_DIR): SroieCase[] {
  const truth = new Map<string, Record<string, string>>();
  for (const line of readFileSync(join(dir, 'metadata.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const rec = JSON.parse(line) as { file_name: string; fields: Record<string, string> };
    truth.set(rec.file_name.replace(/\.\w+$/, ''), rec.fields);
  }
  return readdirSync(join(dir, 'ocr-lines'))
    .filter((f) => f.endsWith('.csv'))
    .sort()
    .map((f) => {
      const id = f.replace(/\.csv$/, '');
      return {
        id,
        read: csvToReadResult(readFileSync(join(dir, 'ocr-lines', f), 'utf8')),
        truth: truth.get(id) ?? {},
      };
    });
}
