/**
 * Chooses per-field confidence thresholds from scored documents, so that the fields that
 * clear them are right at least `--precision` of the time, and writes them into the
 * thresholds file. Calibrates on one half (ids sorted, even positions) and reports the other
 * half too, so the figures are not only the ones the thresholds were fitted to.
 *   tsx bench/score-reads.ts --scores /tmp/scores.json      (or paperline eval DIR --scores FILE)
 *   tsx bench/calibrate.ts /tmp/scores.json [--type receipt] [--precision 0.99] [--write]
 *     [--fit all] [--check other-scores.json]
 * Without `--write` it only prints. Thresholds are per field of the type; fields without truth
 * in the scores (optional ones the dataset does not label) are left as they are. `--fit all`
 * fits on every document (for a generated set checked on another one with `--check`).
 * A threshold never goes under the file's default field confidence: a field with no wrong
 * value in a few dozen says little, and the lowest right one seen is not a bar for the next.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { halfOf } from '../cli/eval.command.ts';
import { DEFAULT_THRESHOLDS_PATH } from '../pipeline/config.ts';
import type { DocumentScore } from '../pipeline/evaluation.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    type: { type: 'string', default: 'receipt' },
    precision: { type: 'string', default: '0.99' },
    thresholds: { type: 'string', default: DEFAULT_THRESHOLDS_PATH },
    write: { type: 'boolean', default: false },
    fit: { type: 'string', default: 'half' },
    check: { type: 'string' },
  },
});
const path = positionals[0];
if (!path) throw new Error('usage: tsx bench/calibrate.ts SCORES.json [--type receipt] [--write]');

type Point = { confidence: number; correct: boolean };
const ofType = (docs: DocumentScore[]) =>
  docs.filter((s) => s.truthType === values.type && s.predictedType === values.type);
async function loadScores(file: string): Promise<DocumentScore[]> {
  return (JSON.parse(await readFile(file, 'utf8')) as DocumentScore[]).sort((a, b) =>
    a.fileName.localeCompare(b.fileName),
  );
}
const loaded = await loadScores(path);
const scores = ofType(loaded);
// The same split as `paperline eval --half` (before filtering by type), so the held-out half
// can be scored end to end.
const half = (h: 'even' | 'odd') =>
  ofType(
    halfOf(
      loaded.map((s) => ({ ...s, file_name: s.fileName })),
      h,
    ),
  );
const calibration = values.fit === 'all' ? scores : half('even');
const halves: Record<string, DocumentScore[]> = { calibration };
if (values.fit !== 'all') halves.held = half('odd');
if (values.check) halves.check = ofType(await loadScores(values.check));
const target = Number(values.precision);
const thresholdsFile = JSON.parse(await readFile(values.thresholds, 'utf8'));
const floor: number = thresholdsFile.default.fieldConfidence;

function points(docs: DocumentScore[], field: string): Point[] {
  return docs.flatMap((d) =>
    d.fields
      .filter((f) => f.name === field && f.predicted !== undefined)
      .map((f) => ({ confidence: f.confidence, correct: f.correct })),
  );
}

/**
 * The lowest threshold whose passing fields are right at least `target` of the time. Under
 * 100 passing fields one wrong one already breaks 99%, so on a half of sroie-dev this is the
 * threshold just above every wrong field that would pass. When even the most confident field
 * is wrong, just above it (nothing passes).
 */
function choose(ps: Point[]): number {
  const wrongMax = Math.max(0, ...ps.filter((p) => !p.correct).map((p) => p.confidence));
  // Just above each wrong value: the lowest bar that keeps it out, not the next right one seen
  // (which would fit the bar to the right values this sample happens to hold).
  const cuts = [
    ...new Set(ps.filter((p) => !p.correct).map((p) => Math.round((p.confidence + 0.001) * 1000) / 1000)),
  ].sort((a, b) => a - b);
  for (const t of [floor, ...cuts.filter((c) => c > floor)]) {
    const pass = ps.filter((p) => p.confidence >= t);
    const wrong = pass.filter((p) => !p.correct).length;
    if (pass.length > 0 && (pass.length - wrong) / pass.length >= target) return t;
  }
  return Math.min(1, Math.round((wrongMax + 0.001) * 1000) / 1000);
}

function describe(ps: Point[], t: number): string {
  const pass = ps.filter((p) => p.confidence >= t);
  const wrong = pass.filter((p) => !p.correct).length;
  const right = ps.filter((p) => p.correct).length;
  return `pass ${pass.length}/${ps.length}, wrong ${wrong}, right ones kept ${pass.length - wrong}/${right}`;
}

const fields = [...new Set(scores.flatMap((s) => s.fields.map((f) => f.name)))].sort();
const chosen: Record<string, number> = {};
for (const field of fields) {
  const t = choose(points(calibration, field));
  chosen[field] = t;
  process.stdout.write(`${field.padEnd(16)} threshold ${t.toFixed(3)}\n`);
  for (const [name, docs] of [...Object.entries(halves), ['all', scores] as const]) {
    process.stdout.write(`  ${name.padEnd(12)} ${describe(points(docs, field), t)}\n`);
  }
}

if (values.write) {
  const file = thresholdsFile;
  file.types[values.type] = file.types[values.type] ?? {};
  const forType = file.types[values.type];
  forType.fields = { ...(forType.fields ?? {}), ...chosen };
  await writeFile(values.thresholds, `${JSON.stringify(file, null, 2)}\n`);
  process.stdout.write(`written to ${values.thresholds} (types.${values.type}.fields)\n`);
}
