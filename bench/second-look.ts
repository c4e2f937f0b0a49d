import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { evidenceLines, secondLook } from '../pipeline/confidence.ts';
import { createDecideDeps } from '../pipeline/deps.ts';
import { type DocumentScore, predictedFields, scoreDocument } from '../pipeline/evaluation.ts';
import { type PipelineDeps, processDocument } from '../pipeline/process-document.ts';
import type { ReadResult } from '../schemas/read.ts';
import { cachedRead, cachedTruth, replayedFile } from './cached-reads.ts';

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

const cache = new Map<string, ReadResult>();
const decide = await createDecideDeps({});
const deps: PipelineDeps = {
  ...decide,
  read: async (file) => cache.get(file.fileName)!,
  clock: () => new Date(0),
};

interface Looked {
  file: string;
  score: DocumentScore;
  chosen: string;
  second: string | null;
  /** What the confidence model was told: 1 the readings agree, -1 they differ, 0 no second look. */
  look: number;
  right: boolean;
  posted: boolean;
  confidence: number;
}
const looked: Looked[] = [];
for (const t of truth) {
  const read = await cachedRead(values.reads, t.file_name);
  cache.set(t.file_name, read);
  const outcome = await processDocument(replayedFile(dir, t.file_name), deps);
  const score = scoreDocument(t, outcome, { seconds: 0, cer: null });
  const field = predictedFields(outcome)[FIELD];
  const scored = score.fields.find((f) => f.name === FIELD);
  if (!field || !scored || scored.truth == null) continue;
  const pageNo = field.evidence.find((e) => e.box)?.page;
  const page = read.pages.find((p) => p.number === pageNo);
  const look = secondLook(FIELD, field, page);
  const alone = page ? evidenceLines(field, page).map((l) => l.alone) : [];
  looked.push({
    file: t.file_name,
    score,
    chosen: String(field.value),
    second: alone.length && alone.every((a) => a !== undefined) ? alone.join(' ') : null,
    look,
    right: scored.correct,
    posted: score.outcome === 'posted',
    confidence: field.confidence,
  });
}

const agree = (l: Looked) => l.look > 0;
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
