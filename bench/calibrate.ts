/**
 * Chooses per-field confidence thresholds from scored documents, so that the fields that
 * clear them are right at least `--precision` of the time, and writes them into the
 * thresholds file. Calibrates on one half (ids sorted, even positions) and reports the other
 * half too, so the figures are not only the ones the thresholds were fitted to.
 *   tsx bench/score-reads.ts --scores /tmp/scores.json      (or paperline eval DIR --scores FILE)
 *   tsx bench/calibrate.ts /tmp/scores.json [--type receipt] [--precision 0.99] [--write]
 *     [--fit all] [--check other-scores.json] [--joint]
 * Without `--write` it only prints. Thresholds are per field of the type; fields without truth
 * in the scores (optional ones the dataset does not label) are left as they are. `--fit all`
 * fits on every document (for a generated set checked on another one with `--check`).
 * A threshold never goes under the file's default field confidence: a field with no wrong
 * value in a few dozen says little, and the lowest right one seen is not a bar for the next.
 * `--joint` chooses the bars together instead, for what finance measures: the most documents
 * posted untouched while the posted fields, all together, are wrong at most 1 − precision of
 * the time. A required field's bar holds documents; an optional one's only withholds the
 * field (the thresholds file's policy), so each bar is worth what it costs in STP. `--z Z`
 * holds the error to the budget at its upper confidence bound (Wilson; 1.28 is 90% one-sided)
 * rather than at the rate the calibration documents show (the default, 0): two wrong values
 * in 250 is within 1% on paper and may not be on the next 250, but on a few hundred fields
 * the bound leaves room for no wrong value at all, and one mislabelled truth then sets a bar
 * that holds nearly everything.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { halfOf } from '../cli/eval.command.ts';
import { DEFAULT_THRESHOLDS_PATH } from '../pipeline/config.ts';
import type { DocumentScore } from '../pipeline/evaluation.ts';
import type { DocType } from '../schemas/common.ts';
import { requiredFields } from '../schemas/documents.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    type: { type: 'string', default: 'receipt' },
    precision: { type: 'string', default: '0.99' },
    thresholds: { type: 'string', default: DEFAULT_THRESHOLDS_PATH },
    write: { type: 'boolean', default: false },
    fit: { type: 'string', default: 'half' },
    check: { type: 'string' },
    joint: { type: 'boolean', default: false },
    z: { type: 'string', default: '0' },
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
const chosen: Record<string, number> = values.joint ? jointBars(calibration) : {};
for (const field of fields) {
  const t = values.joint ? chosen[field]! : choose(points(calibration, field));
  chosen[field] = t;
  process.stdout.write(`${field.padEnd(16)} threshold ${t.toFixed(3)}\n`);
  for (const [name, docs] of [...Object.entries(halves), ['all', scores] as const]) {
    process.stdout.write(`  ${name.padEnd(12)} ${describe(points(docs, field), t)}\n`);
  }
}
if (values.joint) {
  for (const [name, docs] of [...Object.entries(halves), ['all', scores] as const]) {
    const r = simulate(docs, chosen);
    process.stdout.write(
      `${name.padEnd(12)} STP ${(r.stp * 100).toFixed(1)}% of ${docs.length}, posted-field error ${(r.error * 100).toFixed(2)}% (${r.wrong} of ${r.judged})\n`,
    );
  }
}

/**
 * Documents posted and posted fields judged under per-field bars: a document posts when no
 * other reason holds it and every required field clears its bar; of a posted document, the
 * fields that clear their bars are posted (an optional one below is withheld).
 */
function simulate(docs: DocumentScore[], bars: Record<string, number>) {
  const required = new Set(requiredFields(values.type as DocType));
  let posted = 0;
  let judged = 0;
  let wrong = 0;
  for (const d of docs) {
    if (d.otherReasons.length > 0) continue;
    if (Object.entries(d.requiredConfidences).some(([n, c]) => c < (bars[n] ?? floor))) continue;
    posted += 1;
    for (const f of d.fields) {
      if (f.predicted === undefined) continue;
      if (!required.has(f.name) && f.confidence < (bars[f.name] ?? floor)) continue;
      judged += 1;
      if (!f.correct) wrong += 1;
    }
  }
  return { stp: docs.length ? posted / docs.length : 0, error: judged ? wrong / judged : 0, judged, wrong };
}

/**
 * Bars chosen together, by trying every combination. Between two wrong values of a field a
 * lower bar only posts more right ones, so the bars worth trying are the floor and just above
 * each wrong value; the combination kept posts the most documents within the error budget
 * (fewer wrong, then more fields posted, on a tie). Fields with many wrong values are tried
 * at every k-th cut, so the search stays within a few million combinations.
 */
function jointBars(docs: DocumentScore[]): Record<string, number> {
  const maxError = 1 - target;
  const cutsOf = (f: string) => {
    const wrong = points(docs, f)
      .filter((p) => !p.correct)
      // A thresholds file holds bars up to 1: a wrong value at 1 is kept out by none.
      .map((p) => Math.min(1, Math.round((p.confidence + 0.001) * 1000) / 1000))
      .filter((c) => c > floor);
    return [floor, ...[...new Set(wrong)].sort((a, b) => a - b)];
  };
  const cuts = fields.map(cutsOf);
  const budget = 2_000_000;
  while (cuts.reduce((n, c) => n * c.length, 1) > budget) {
    const i = cuts.reduce((best, c, j) => (c.length > cuts[best]!.length ? j : best), 0);
    // Every other cut, keeping the highest (the bar that lets no wrong value through).
    cuts[i] = cuts[i]!.filter((_, k, all) => k % 2 === (all.length - 1) % 2);
  }
  const z = Number(values.z);
  const upper = (wrong: number, n: number) => {
    if (n === 0) return 0;
    const p = wrong / n;
    const z2 = z * z;
    return (p + z2 / (2 * n) + z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  };
  let best: { bars: Record<string, number>; r: ReturnType<typeof simulate> } | null = null;
  const pick = (i: number, bars: Record<string, number>) => {
    if (i === fields.length) {
      const r = simulate(docs, bars);
      if (upper(r.wrong, r.judged) > maxError) return;
      const better =
        !best ||
        r.stp > best.r.stp ||
        (r.stp === best.r.stp &&
          (r.wrong < best.r.wrong || (r.wrong === best.r.wrong && r.judged > best.r.judged)));
      if (better) best = { bars: { ...bars }, r };
      return;
    }
    for (const c of cuts[i]!) {
      bars[fields[i]!] = c;
      pick(i + 1, bars);
    }
  };
  pick(0, {});
  const found = best as { bars: Record<string, number> } | null;
  return found ? found.bars : Object.fromEntries(fields.map((f, i) => [f, cuts[i]!.at(-1)!]));
}

if (values.write) {
  const file = thresholdsFile;
  file.types[values.type] = file.types[values.type] ?? {};
  const forType = file.types[values.type];
  forType.fields = { ...(forType.fields ?? {}), ...chosen };
  // The confidence model weighs a fused page itself; its probabilities need no second bar.
  if (values.joint) delete forType.fusedFields;
  await writeFile(values.thresholds, `${JSON.stringify(file, null, 2)}\n`);
  process.stdout.write(`written to ${values.thresholds} (types.${values.type}.fields)\n`);
}
