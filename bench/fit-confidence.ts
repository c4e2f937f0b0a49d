/**
 * Fits the confidence model (pipeline/confidence.ts): one logistic regression over every
 * field of every type, from scored documents whose fields carry their signals.
 *
 *   npx paperline eval DIR --scores FILE.json        (once per dataset, no model needed)
 *   npx tsx bench/fit-confidence.ts --train sroie.json:even --train gen.json:all \
 *     --held sroie.json:odd [--folds 5] [--write]
 *
 * `:even`/`:odd` take the half `paperline eval --half` takes, so a model fitted on the even
 * halves is scored end to end on the odd ones; `:all` takes every document. The model's penalty
 * is chosen by k-fold cross-validation over documents of the training set, whose
 * out-of-fold probabilities give the reliability table: among fields given about p, how many
 * were right. Then the model is refitted on the whole training set and scored on `--held`.
 * `--write` writes pipeline/confidence-model.json; `--oof FILE` writes the training scores
 * with their out-of-fold probabilities as confidences, for bench/calibrate.ts to set the bars.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { halfOf } from '../cli/eval.command.ts';
import { formatTable } from '../cli/table.ts';
import {
  type ConfidenceModel,
  DEFAULT_CONFIDENCE_MODEL_PATH,
  INPUTS,
  kindOf,
  modelInput,
  probability,
} from '../pipeline/confidence.ts';
import { type DocumentScore, riskCoverage, stpAtError } from '../pipeline/evaluation.ts';
import { fitLogistic, predictLogistic } from '../pipeline/logistic-regression.ts';
import { DOC_TYPES, type DocType } from '../schemas/common.ts';

const { values } = parseArgs({
  options: {
    train: { type: 'string', multiple: true, default: [] },
    held: { type: 'string', multiple: true, default: [] },
    folds: { type: 'string', default: '5' },
    write: { type: 'boolean', default: false },
    out: { type: 'string', default: DEFAULT_CONFIDENCE_MODEL_PATH },
    oof: { type: 'string' },
  },
});

async function load(spec: string): Promise<DocumentScore[]> {
  const [file, half = 'all'] = spec.split(/:(?=even$|odd$|all$)/);
  const docs = JSON.parse(await readFile(file!, 'utf8')) as DocumentScore[];
  if (half === 'all') return docs;
  return halfOf(
    docs.map((d) => ({ ...d, file_name: d.fileName })),
    half as 'even' | 'odd',
  );
}

interface Example {
  set: number;
  doc: number;
  name: string;
  key: string;
  kind: string;
  x: number[];
  y: boolean;
}

const isType = (t: string): t is DocType => (DOC_TYPES as readonly string[]).includes(t);

/** Every labelled field of a correctly classified document that has signals. */
function examples(docs: DocumentScore[], set: number): Example[] {
  const out: Example[] = [];
  docs.forEach((d, doc) => {
    if (d.truthType !== d.predictedType || !isType(d.truthType)) return;
    const type = d.truthType;
    for (const f of d.fields) {
      const s = d.signals?.[f.name] ?? f.signals;
      if (f.predicted === undefined || !s) continue;
      const kind = kindOf(type, f.name);
      out.push({
        set,
        doc,
        name: f.name,
        key: `${type}.${f.name}`,
        kind,
        x: modelInput(kind, s),
        y: f.correct,
      });
    }
  });
  return out;
}

const PENALTIES = [0.1, 0.3, 1, 3, 10, 30];
const folds = Number(values.folds);
const logLoss = (p: number, y: boolean) => -Math.log(Math.max(1e-6, y ? p : 1 - p));
// Folds by document (a document's fields never score each other), spread alike over the sets.
const foldOf = (e: Example) => (e.doc * 7 + e.set) % folds;

function outOfFold(ex: Example[], l2: number): number[] {
  const p = new Array<number>(ex.length).fill(0.5);
  for (let k = 0; k < folds; k++) {
    const trainIdx = ex.map((e, i) => (foldOf(e) !== k ? i : -1)).filter((i) => i >= 0);
    const fit = fitLogistic(
      trainIdx.map((i) => ex[i]!.x),
      trainIdx.map((i) => ex[i]!.y),
      { l2 },
    );
    ex.forEach((e, i) => {
      if (foldOf(e) === k) p[i] = predictLogistic(fit, e.x);
    });
  }
  return p;
}

const trainSets = await Promise.all(values.train.map(load));
const train = trainSets.flatMap((docs, set) => examples(docs, set));
if (train.length === 0)
  throw new Error('no training fields with signals: score with `paperline eval --scores` first');
let best = { l2: PENALTIES[0]!, loss: Number.POSITIVE_INFINITY, p: [] as number[] };
for (const l2 of PENALTIES) {
  const p = outOfFold(train, l2);
  const loss = p.reduce((s, pi, i) => s + logLoss(pi, train[i]!.y), 0) / train.length;
  process.stdout.write(`l2 ${l2}: out-of-fold log loss ${loss.toFixed(4)}\n`);
  if (loss < best.loss) best = { l2, loss, p };
}
const fit = fitLogistic(
  train.map((e) => e.x),
  train.map((e) => e.y),
  { l2: best.l2 },
);
const r4 = (v: number) => Math.round(v * 1e4) / 1e4;
const model: ConfidenceModel = {
  version: 2,
  inputs: [...INPUTS],
  command: `bash bench/rebuild-confidence-model.sh (its fit: npx tsx bench/fit-confidence.ts ${values.train.map((t) => `--train ${basename(t)}`).join(' ')})`,
  trainedOn: values.train.map((t) => basename(t)),
  n: train.length,
  right: train.filter((e) => e.y).length,
  fields: [...new Set(train.map((e) => e.key))].sort(),
  model: {
    bias: r4(fit.bias),
    weights: fit.weights.map(r4),
    mean: fit.mean.map(r4),
    scale: fit.scale.map((v) => Math.max(1e-4, r4(v))),
  },
};
const rawLoss =
  train.reduce((s, e) => s + logLoss(1 / (1 + Math.exp(-(e.x[0] ?? 0))), e.y), 0) / train.length;
process.stdout.write(
  `chosen l2 ${best.l2}: out-of-fold log loss ${best.loss.toFixed(4)} (the rules' confidence as a probability: ${rawLoss.toFixed(4)}), ${train.length} fields\n\n`,
);
process.stdout.write(
  `${formatTable(
    ['input', 'weight'],
    INPUTS.map((name, i) => [name, model.model.weights[i]!.toFixed(3)]),
  )}\n\n`,
);

const BINS = [0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 1.0001];
function reliability(points: { p: number; y: boolean }[]): (string | number)[][] {
  const out: (string | number)[][] = [];
  for (let i = 0; i + 1 < BINS.length; i++) {
    const inBin = points.filter((q) => q.p >= BINS[i]! && q.p < BINS[i + 1]!);
    if (inBin.length === 0) continue;
    const mean = inBin.reduce((s, q) => s + q.p, 0) / inBin.length;
    const acc = inBin.filter((q) => q.y).length / inBin.length;
    out.push([
      `${BINS[i]!.toFixed(2)}-${Math.min(1, BINS[i + 1]!).toFixed(2)}`,
      inBin.length,
      mean.toFixed(3),
      acc.toFixed(3),
    ]);
  }
  return out;
}
const RELIABILITY = ['confidence', 'fields', 'mean confidence', 'right'];
process.stdout.write(
  `reliability, training set out of fold (${train.length} fields)\n${formatTable(RELIABILITY, reliability(train.map((e, i) => ({ p: best.p[i]!, y: e.y }))))}\n\n`,
);

/**
 * The documents with every covered field's confidence replaced by the model's, or by its
 * out-of-fold probability where `oofOf` has one (document index, field name).
 */
function rescored(
  docs: DocumentScore[],
  oofOf: (doc: number, name: string) => number | undefined = () => undefined,
): DocumentScore[] {
  const covered = new Set(model.fields);
  return docs.map((d, doc) => {
    const type = d.predictedType;
    const prob = (name: string, fallback: number) => {
      const held = oofOf(doc, name);
      if (held !== undefined) return Math.round(held * 1000) / 1000;
      const s = d.signals?.[name];
      if (!isType(type) || !s || !covered.has(`${type}.${name}`)) return fallback;
      return Math.round(probability(model, type, name, s) * 1000) / 1000;
    };
    return {
      ...d,
      fields: d.fields.map((f) =>
        f.predicted === undefined ? f : { ...f, confidence: prob(f.name, f.confidence) },
      ),
      requiredConfidences: Object.fromEntries(
        Object.entries(d.requiredConfidences).map(([k, c]) => [k, prob(k, c)]),
      ),
    };
  });
}

for (const spec of values.held) {
  const docs = rescored(await load(spec));
  const held = examples(docs, 0);
  const points = docs.flatMap((d) =>
    d.truthType === d.predictedType
      ? d.fields
          .filter((f) => f.predicted !== undefined && (d.signals?.[f.name] ?? f.signals))
          .map((f) => ({ p: f.confidence, y: f.correct }))
      : [],
  );
  process.stdout.write(
    `reliability, held out ${spec} (${held.length} fields)\n${formatTable(RELIABILITY, reliability(points))}\n`,
  );
  const curve = riskCoverage(docs);
  process.stdout.write(
    `risk-coverage, held out ${spec}\n${formatTable(
      ['bar', 'STP', 'posted-field error', 'posted fields'],
      curve.map((c) => [
        c.threshold,
        `${(c.stp * 100).toFixed(1)}%`,
        c.postedFieldError === null ? 'n/a' : `${(c.postedFieldError * 100).toFixed(2)}%`,
        c.postedFields,
      ]),
    )}\nSTP at <= 1% error: ${JSON.stringify(stpAtError(curve, 0.01))}; at <= 0.5%: ${JSON.stringify(stpAtError(curve, 0.005))}\n\n`,
  );
}

if (values.oof) {
  const byDoc = new Map<string, number>();
  train.forEach((e, i) => {
    byDoc.set(`${e.set}\u0000${e.doc}\u0000${e.name}`, best.p[i]!);
  });
  const withOof = trainSets.flatMap((docs, set) =>
    rescored(docs, (doc, name) => byDoc.get(`${set}\u0000${doc}\u0000${name}`)),
  );
  await writeFile(values.oof, `${JSON.stringify(withOof)}\n`);
}
if (values.write) {
  await writeFile(values.out, `${JSON.stringify(model, null, 2)}\n`);
  process.stdout.write(`written to ${values.out}\n`);
}
