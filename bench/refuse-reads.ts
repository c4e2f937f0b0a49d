/**
 * Replays the fusion of the two OCR engines (pipeline/ocr-fusion.ts) from cached readings, so
 * a fusion change is scored in seconds instead of re-reading every scan:
 *   tsx bench/dump-reads.ts --raw --out /tmp/reads-raw          (what the line reader saw)
 *   tsx bench/dump-reads.ts --no-line-reader --out /tmp/reads-tess   (Tesseract alone)
 *   tsx bench/refuse-reads.ts --raw /tmp/reads-raw --tesseract /tmp/reads-tess --out /tmp/reads-refused
 *   tsx bench/score-reads.ts --reads /tmp/reads-refused
 * Pages the pipeline did not fuse (Tesseract was sure of them) are copied as they are. The
 * Tesseract reading replayed is the page as cached, after rows were merged, so a replay of
 * unchanged code can differ from the live reading by a word or two; compare replays with
 * replays.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ReaderLine } from '../pipeline/adapters/line-ocr.ts';
import { mergeIntoRows } from '../pipeline/layout.ts';
import { FUSED_STEP } from '../pipeline/ocr-fusion.ts';
import { fusedResult } from '../pipeline/read.ts';
import type { PageRead } from '../schemas/read.ts';

const { values } = parseArgs({
  options: {
    raw: { type: 'string', default: '/tmp/reads-raw' },
    tesseract: { type: 'string', default: '/tmp/reads-tess' },
    out: { type: 'string', default: '/tmp/reads-refused' },
  },
});
const out = resolve(values.out);
await mkdir(out, { recursive: true });
const load = async <T>(path: string) => JSON.parse(await readFile(path, 'utf8')) as T;

let fused = 0;
const ids = (await readdir(join(values.raw, 'raw'))).filter((f) => f.endsWith('.json'));
for (const f of ids) {
  const live = await load<{ pages: PageRead[] }>(join(values.raw, f));
  const tess = await load<{ pages: PageRead[] }>(join(values.tesseract, f));
  const seen = await load<ReaderLine[][]>(join(values.raw, 'raw', f));
  let next = 0;
  const pages = live.pages.map((page, i) => {
    if (!page.preprocess?.steps.includes(FUSED_STEP)) return page;
    const result = fusedResult(tess.pages[i]?.lines ?? [], seen[next++] ?? []);
    fused++;
    return { ...page, lines: mergeIntoRows(result.lines), ocrConfidence: result.confidence };
  });
  await writeFile(join(out, f), JSON.stringify({ pages }));
}
process.stderr.write(`${ids.length} documents, ${fused} pages fused again, written to ${out}\n`);
