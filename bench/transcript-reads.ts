/**
 * Writes the dataset's own line transcripts (`ocr-lines/`) as cached reads in the format of
 * bench/dump-reads.ts, so `bench/score-reads.ts --reads DIR` scores the whole pipeline after
 * OCR on perfect text: the gap between that and the OCR reads is what reading costs, the rest
 * is classification and extraction.
 *   tsx bench/transcript-reads.ts [--out /tmp/sroie-truth-reads]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadSroie } from '../test/helpers/sroie.ts';

const { values } = parseArgs({ options: { out: { type: 'string', default: '/tmp/sroie-truth-reads' } } });
const out = resolve(values.out);
await mkdir(out, { recursive: true });
const cases = loadSroie();
for (const c of cases) await writeFile(join(out, `${c.id}.json`), JSON.stringify(c.read));
process.stderr.write(`${cases.length} transcripts written to ${out}\n`);
