/**
 * OCR quality and time on the SROIE development receipts, measured against the dataset's own
 * line transcripts: for choosing tesseract's page segmentation mode and the upscale rule.
 *   tsx bench/ocr-quality.ts [--psm 3,4,6] [--limit 24] [--target 26] [--no-upscale] [--size 2]
 * Token recall: share of transcript tokens (upper-cased, as the transcripts are) that OCR
 * produced; line recall: share of transcript lines found verbatim in the OCR text.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadImagePage } from '../pipeline/adapters/image.ts';
import { createOcrPool, type PageSegMode } from '../pipeline/adapters/ocr.ts';
import { ocrImage } from '../pipeline/read.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: join(import.meta.dirname, '../../shared/datasets/sroie-dev') },
    psm: { type: 'string', default: '4' },
    limit: { type: 'string', default: '24' },
    target: { type: 'string' },
    scale: { type: 'string' },
    'no-upscale': { type: 'boolean', default: false },
    size: { type: 'string', default: '2' },
    verbose: { type: 'boolean', default: false },
  },
});

const tokens = (s: string) =>
  s
    .toUpperCase()
    .split(/\s+/)
    .filter((t) => t.length > 0);

function tokenRecall(truth: string[], found: string[]): number {
  const bag = new Map<string, number>();
  for (const t of found) bag.set(t, (bag.get(t) ?? 0) + 1);
  let hit = 0;
  for (const t of truth) {
    const n = bag.get(t) ?? 0;
    if (n > 0) {
      hit++;
      bag.set(t, n - 1);
    }
  }
  return truth.length ? hit / truth.length : 1;
}

const files = (await readdir(values.dir))
  .filter((f) => f.endsWith('.jpg'))
  .sort()
  .slice(0, Number(values.limit));

for (const psm of values.psm.split(',') as PageSegMode[]) {
  const pool = createOcrPool({ size: Number(values.size), psm });
  let tokenSum = 0;
  let lineSum = 0;
  let busyMs = 0;
  const rows: string[] = [];
  const started = performance.now();
  // As many documents in flight as workers, so per-page times are not queueing times.
  const queue = [...files];
  const lane = async () => {
    for (let f = queue.shift(); f; f = queue.shift()) {
      const bytes = await readFile(join(values.dir, f));
      const csv = await readFile(join(values.dir, 'ocr-lines', f.replace(/\.jpg$/, '.csv')), 'utf8');
      const truthLines = csv
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => l.split(',').slice(8).join(',').trim());
      const t = performance.now();
      const page = await loadImagePage(bytes);
      const { pre, result } = await ocrImage(page.png, page.dpi, pool, {
        ...(values['no-upscale'] ? { skip: ['upscale'] as const } : {}),
        ...(values.scale ? { forceScale: Number(values.scale) } : {}),
        ...(values.target ? { targetCharHeight: Number(values.target) } : {}),
      });
      busyMs += performance.now() - t;
      const text = result.lines.map((l) => l.text).join('\n');
      const recall = tokenRecall(tokens(truthLines.join(' ')), tokens(text));
      const flat = text.toUpperCase().replace(/\s+/g, ' ');
      const lines =
        truthLines.filter((l) => flat.includes(l.toUpperCase().replace(/\s+/g, ' '))).length /
        truthLines.length;
      tokenSum += recall;
      lineSum += lines;
      rows.push(
        `${f} ${page.width}x${page.height} -> ${pre.width}x${pre.height} ${pre.info.steps.join(',')} tokens ${recall.toFixed(3)} lines ${lines.toFixed(3)} conf ${result.confidence.toFixed(2)}`,
      );
    }
  };
  await Promise.all(Array.from({ length: Number(values.size) }, lane));
  const wall = performance.now() - started;
  await pool.close();
  if (values.verbose) console.log(rows.sort().join('\n'));
  const label = [
    `psm ${psm}`,
    values['no-upscale'] ? 'no-upscale' : '',
    values.scale ? `scale ${values.scale}` : '',
    values.target ? `target ${values.target}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  console.log(
    `${label}: token recall ${(tokenSum / files.length).toFixed(3)}, line recall ${(lineSum / files.length).toFixed(3)}, ` +
      `${(busyMs / files.length / 1000).toFixed(2)} s/page per lane, ${(wall / files.length / 1000).toFixed(2)} s/page wall (${values.size} lanes)`,
  );
}
