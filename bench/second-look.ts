import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createOcrPool } from '../pipeline/adapters/ocr.ts';
import { createDecideDeps } from '../pipeline/deps.ts';
import { type DocumentScore, predictedFields, scoreDocument } from '../pipeline/evaluation.ts';
import { type PipelineDeps, processDocument } from '../pipeline/process-document.ts';
import type { Box } from '../schemas/common.ts';
import type { ReadResult } from '../schemas/read.ts';
import { cachedRead, cachedTruth, replayedFile, stem } from './cached-reads.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: join(import.meta.dirname, '../../shared/datasets/sroie-dev') },
    reads: { type: 'string', default: '/tmp/sroie-reads' },
    half: { type: 'string' },
    list: { type: 'boolean', default: false },
  },
});

const FIELD = 'merchantName';
const dir = resolve(values.dir);
const truth = await cachedTruth(dir, values.reads, values.half);

/**
 * Readings compared as a reviewer would: a legal form or punctuation is not a different name
 * (nor Tesseract's 0/O and 1/I, or SON and 8HD for SDN and BHD), but a space is: "CW KHOO"
 * is not "C W KHOO".
 */
function sameName(a: string, b: string): boolean {
  const key = (s: string) =>
    s
      .toUpperCase()
      .replace(/\b(SDN|SON|BHD|8HD|S\/B|PLT|LTD|CO|INC|ENTERPRISE|TRADING)\b\.?/g, ' ')
      // A company's registration number often follows its name on the same line.
      .replace(/\(?\b\d{5,}-?[A-Z]?\b\)?/g, ' ')
      .replace(/0/g, 'O')
      .replace(/[1|]/g, 'I')
      .replace(/[^A-Z0-9&]+/g, ' ')
      .trim();
  return key(a) !== '' && key(a) === key(b);
}

const cache = new Map<string, ReadResult>();
const decide = await createDecideDeps({});
const deps: PipelineDeps = {
  ...decide,
  read: async (file) => cache.get(file.fileName)!,
  clock: () => new Date(0),
};
const pool = createOcrPool({ size: 2, lineReader: false, psm: '7', languages: ['eng'] });

interface Looked {
  file: string;
  score: DocumentScore;
  chosen: string;
  second: string | null;
  right: boolean;
  posted: boolean;
  confidence: number;
}
const looked: Looked[] = [];

interface PageImage {
  png: Buffer;
  width: number;
  height: number;
}

/** One line of the page, cropped with some paper around it and read alone. */
async function readAlone(page: PageImage, box: Box): Promise<string> {
  const { width, height } = page;
  // Half a line's height of margin, so the crop holds whole glyphs and paper around them.
  const pad = Math.max(4, Math.round((box.y1 - box.y0) * 0.5));
  const left = Math.max(0, Math.floor(box.x0 - pad));
  const top = Math.max(0, Math.floor(box.y0 - pad));
  const crop = await sharp(page.png)
    .extract({
      left,
      top,
      width: Math.min(width, Math.ceil(box.x1 + pad)) - left,
      height: Math.min(height, Math.ceil(box.y1 + pad)) - top,
    })
    .png()
    .toBuffer();
  const result = await pool.recognize(crop);
  return result.lines
    .map((l) => l.text)
    .join(' ')
    .trim();
}
for (const t of truth) {
  const read = await cachedRead(values.reads, t.file_name);
  cache.set(t.file_name, read);
  const outcome = await processDocument(replayedFile(dir, t.file_name), deps);
  const score = scoreDocument(t, outcome, { seconds: 0, cer: null });
  const field = predictedFields(outcome)[FIELD];
  const scored = score.fields.find((f) => f.name === FIELD);
  if (!field || !scored || scored.truth == null) continue;
  // A name set on two lines is read line by line: --psm 7 reads one line and nothing else.
  const boxes = field.evidence.flatMap((e) => (e.box ? [{ page: e.page, box: e.box }] : []));
  const pageNo = boxes[0]?.page ?? 1;
  const lines = (read.pages[pageNo - 1]?.lines ?? []).filter((l) =>
    boxes.some(({ box }) => {
      const mid = (l.box.y0 + l.box.y1) / 2;
      return mid >= box.y0 && mid <= box.y1 && l.box.x1 > box.x0 && l.box.x0 < box.x1;
    }),
  );
  let second: string | null = null;
  const img = join(values.reads, 'img', `${stem(t.file_name)}-${pageNo}.png`);
  if (lines.length && existsSync(img)) {
    const readings: string[] = [];
    const png = await readFile(img);
    const { width = 0, height = 0 } = await sharp(png).metadata();
    for (const { box } of lines) readings.push(await readAlone({ png, width, height }, box));
    second = readings.join(' ').trim();
  }
  looked.push({
    file: t.file_name,
    score,
    chosen: String(field.value),
    second,
    right: scored.correct,
    posted: score.outcome === 'posted',
    confidence: field.confidence,
  });
}
await pool.close();

const agree = (l: Looked) => l.second !== null && sameName(l.chosen, l.second);
const row = (label: string, ls: Looked[]) => {
  const right = ls.filter((l) => l.right);
  const wrong = ls.filter((l) => !l.right);
  return `| ${label} | ${right.filter((l) => !agree(l)).length} of ${right.length} | ${wrong.filter((l) => !agree(l)).length} of ${wrong.length} |`;
};
const out: string[] = [
  `${looked.length} receipts${values.half ? ` (${values.half} half)` : ''} with a ${FIELD} read and labelled`,
  '',
  '| names | right names whose second look differs | wrong names whose second look differs |',
  '|---|---|---|',
  row('all', looked),
  row(
    'posted',
    looked.filter((l) => l.posted),
  ),
  row(
    'held for review',
    looked.filter((l) => !l.posted),
  ),
  '',
];

/** STP and posted-field error when the documents `held` names go to review as well. */
function posting(held: (l: Looked) => boolean) {
  const posted = looked.filter((l) => l.posted && !held(l));
  const fields = posted.flatMap((l) => l.score.fields.filter((f) => f.posted));
  const wrong = fields.filter((f) => !f.correct).length;
  return `STP ${((100 * posted.length) / looked.length).toFixed(1)}%, ${wrong} of ${fields.length} posted fields wrong (${fields.length ? ((100 * wrong) / fields.length).toFixed(1) : '0.0'}%)`;
}
out.push(`as posted now:                        ${posting(() => false)}`);
out.push(`a name whose second look differs held: ${posting((l) => !agree(l))}`);
for (const bar of [0.95, 0.97]) {
  out.push(`... only below ${bar}:                 ${posting((l) => !agree(l) && l.confidence < bar)}`);
}
if (values.list) {
  out.push('');
  for (const l of looked.filter((x) => !agree(x) || !x.right)) {
    out.push(
      `${l.file} ${l.posted ? 'posted' : 'held  '} ${l.right ? 'right' : 'WRONG'} ${l.confidence.toFixed(3)} chosen "${l.chosen}" second "${l.second ?? '-'}"`,
    );
  }
}
process.stdout.write(`${out.join('\n')}\n`);
