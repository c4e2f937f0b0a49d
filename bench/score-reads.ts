/**
 * Scores the pipeline after the read stage against cached reads (bench/dump-reads.ts), so an
 * extractor or threshold change is measured in seconds. Classification, extraction,
 * validation and routing are the real ones; only OCR is replayed.
 *   tsx bench/score-reads.ts [--reads /tmp/sroie-reads] [--half even|odd] [--misses total]
 *                            [--scores scores.json] [--thresholds file] [--json]
 * `--half`: ids sorted, even or odd positions (the calibration split of bench/calibrate.ts).
 * `--misses FIELD`: print every wrong value of that field with its confidence.
 * `--scores FILE`: write the per-document scores for bench/calibrate.ts.
 * `--misplaced`: print every document not placed where its truth says, with its review reasons.
 * `--confidence-model FILE|none`: the fitted confidence model (default: the committed one).
 * `--learn`: replay the documents in order, each sent to review corrected to its truth and
 *   approved through the review path, so vendor memory learns (as `paperline eval --learn`).
 * Where the folder has `ocr-lines/` transcripts, the OCR character error rate is the one
 * `paperline eval` reports, and token recall (share of transcript tokens, upper-cased, that
 * the OCR text holds) is printed too: unlike CER it does not depend on reading order.
 */

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatLearningCurve, formatReport, transcript } from '../cli/eval.command.ts';
import { createPglite, type Database } from '../pipeline/adapters/db.ts';
import { createDecideDeps } from '../pipeline/deps.ts';
import { aggregate, characterErrors, type DocumentScore, scoreDocument } from '../pipeline/evaluation.ts';
import { migrate } from '../pipeline/migrate.ts';
import { type PipelineDeps, processDocument } from '../pipeline/process-document.ts';
import { learningCurve, replayStream } from '../pipeline/replay.ts';
import { applyVendorMemory } from '../pipeline/vendor-memory.ts';
import type { ReadResult } from '../schemas/read.ts';
import { cachedRead, cachedTruth, replayedFile, stem } from './cached-reads.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: join(import.meta.dirname, '../../shared/datasets/sroie-dev') },
    reads: { type: 'string', default: '/tmp/sroie-reads' },
    half: { type: 'string' },
    misses: { type: 'string' },
    scores: { type: 'string' },
    thresholds: { type: 'string' },
    json: { type: 'boolean', default: false },
    reasons: { type: 'boolean', default: false },
    misplaced: { type: 'boolean', default: false },
    'confidence-model': { type: 'string' },
    learn: { type: 'boolean', default: false },
  },
});

const dir = resolve(values.dir);
const truth = await cachedTruth(dir, values.reads, values.half);

const cache = new Map<string, ReadResult>();
const modelOpt = values['confidence-model'];
let memoryDb: Database | null = null;
if (values.learn) {
  memoryDb = await createPglite(await mkdtemp(join(tmpdir(), 'paperline-learn-')));
  await migrate(memoryDb);
}
const db = memoryDb;
const decide = await createDecideDeps({
  thresholdsPath: values.thresholds,
  ...(modelOpt ? { confidenceModelPath: modelOpt === 'none' ? null : modelOpt } : {}),
  ...(db ? { vendorMemory: (docType, read, fields) => applyVendorMemory(db, docType, read, fields) } : {}),
});
const deps: PipelineDeps = {
  ...decide,
  read: async (file) => cache.get(file.fileName)!,
  clock: () => new Date(0),
};
const fileOf = (t: { file_name: string }) => replayedFile(dir, t.file_name);
if (db) {
  const stream = async function* () {
    for (const t of truth) {
      const read = await cachedRead(values.reads, t.file_name);
      yield { truth: t, file: fileOf(t), read };
    }
  };
  const { scores, learned } = await replayStream(db, stream(), deps);
  await db.close();
  const report = aggregate(scores, 0);
  process.stdout.write(`${formatReport(report)}\n\nmemory entries learned: ${learned}\n`);
  process.stdout.write(`${formatLearningCurve(learningCurve(scores))}\n`);
  if (values.scores) await writeFile(values.scores, JSON.stringify(scores));
  process.exit(0);
}

const scores: DocumentScore[] = [];
const blockers = new Map<string, number>();
const misplaced: string[] = [];
const recall = { hit: 0, of: 0 };
for (const t of truth) {
  cache.set(t.file_name, await cachedRead(values.reads, t.file_name));
  const outcome = await processDocument(fileOf(t), deps);
  if (outcome.kind === 'review') {
    for (const r of outcome.item.reasons) {
      const key = `${r.code}:${r.fields.join('+')}`;
      blockers.set(key, (blockers.get(key) ?? 0) + 1);
    }
  }
  const ref = await transcript(dir, t.file_name);
  const ocrText = cache
    .get(t.file_name)!
    .pages.flatMap((p) => p.lines.map((l) => l.text))
    .join('\n');
  if (ref !== null) {
    const r = tokenRecall(ref, ocrText);
    recall.hit += r.hit;
    recall.of += r.of;
  }
  const cer = ref !== null ? characterErrors(ref, ocrText) : null;
  const score = scoreDocument(t, outcome, { seconds: 0, cer });
  scores.push(score);
  if (!score.placedRight) {
    const why =
      outcome.kind === 'review' ? outcome.item.reasons.map((r) => `\n    ${r.message}`).join('') : '';
    misplaced.push(`${t.file_name} ${outcome.kind} (${score.predictedType}), want ${score.expected}${why}`);
  }
}

/** Transcript tokens (upper-cased, as SROIE's are) found in the OCR text, each used once. */
function tokenRecall(reference: string, ocr: string): { hit: number; of: number } {
  const words = (s: string) => s.toUpperCase().split(/\s+/).filter(Boolean);
  const bag = new Map<string, number>();
  for (const w of words(ocr)) bag.set(w, (bag.get(w) ?? 0) + 1);
  let hit = 0;
  const want = words(reference);
  for (const w of want) {
    const n = bag.get(w) ?? 0;
    if (n > 0) {
      hit++;
      bag.set(w, n - 1);
    }
  }
  return { hit, of: want.length };
}

const report = aggregate(scores, 0);
if (values.scores) await writeFile(values.scores, JSON.stringify(scores));
if (values.json) {
  process.stdout.write(`${JSON.stringify(report)}\n`);
} else {
  process.stdout.write(`${formatReport(report)}\n`);
  if (recall.of > 0) process.stdout.write(`\nOCR token recall ${(recall.hit / recall.of).toFixed(4)}\n`);
  if (values.reasons) {
    const sorted = [...blockers.entries()].sort((a, b) => b[1] - a[1]);
    process.stdout.write(`\nreview reasons\n${sorted.map(([k, n]) => `  ${n}\t${k}`).join('\n')}\n`);
  }
}
if (values.misplaced) process.stdout.write(`\nmisplaced\n${misplaced.map((m) => `  ${m}`).join('\n')}\n`);
if (values.misses) {
  for (const s of scores) {
    const f = s.fields.find((x) => x.name === values.misses);
    if (!f || f.correct) continue;
    process.stdout.write(
      `${stem(s.fileName)} ${f.confidence.toFixed(2)} ${s.outcome}\n  truth ${JSON.stringify(f.truth)}\n  got   ${JSON.stringify(f.predicted)}\n`,
    );
  }
}
