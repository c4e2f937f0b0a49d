import { DOC_TYPES, type DocType, type ExtractedFields } from '../schemas/common.ts';
import { requiredFields } from '../schemas/documents.ts';
import type { MetadataLine } from '../schemas/eval.ts';
import type { Signals } from './confidence.ts';
import type { DocumentOutcome } from './process-document.ts';

/** NFKC, case-folded, whitespace collapsed, trailing punctuation dropped (issue 3's rule). */
export function normaliseText(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\s.,;:!?]+$/u, '');
}

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, sub);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length] ?? 0;
}

/** 1 − normalised edit distance: 1 for equal strings, 0 for nothing in common. */
export function similarity(a: string, b: string): number {
  const len = Math.max(a.length, b.length);
  return len === 0 ? 1 : 1 - levenshtein(a, b) / len;
}

const MONEY = /^-?\d+(\.\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function canonicalString(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/**
 * Scores one predicted value against the truth. Amounts compare as numbers to the cent and
 * dates as dates, so "9.0" and "9.00" agree; text compares after normaliseText.
 */
export function scoreValue(truth: unknown, predicted: unknown): { correct: boolean; similarity: number } {
  if (Array.isArray(truth)) {
    const items = Array.isArray(predicted) ? predicted : [];
    const t = truth.map((x) => normaliseText(canonicalString(x)));
    const p = items.map((x) => normaliseText(canonicalString(x)));
    const matched = t.filter((x) => p.includes(x)).length;
    const sim = t.length === 0 ? (p.length === 0 ? 1 : 0) : matched / Math.max(t.length, p.length);
    return { correct: sim === 1, similarity: sim };
  }
  const ts = canonicalString(truth);
  const ps = canonicalString(predicted);
  if (predicted === undefined || predicted === null || ps === '') return { correct: false, similarity: 0 };
  if (MONEY.test(ts) && /^-?\d+(\.\d+)?$/.test(ps)) {
    const correct = Math.round(Number(ts) * 100) === Math.round(Number(ps) * 100);
    return { correct, similarity: correct ? 1 : similarity(Number(ts).toFixed(2), Number(ps).toFixed(2)) };
  }
  if (DATE.test(ts)) {
    const correct = DATE.test(ps) && ts === ps;
    return { correct, similarity: correct ? 1 : similarity(ts, ps) };
  }
  const a = normaliseText(ts);
  const b = normaliseText(ps);
  return { correct: a === b, similarity: similarity(a, b) };
}

export interface DocumentScore {
  fileName: string;
  truthType: string;
  predictedType: string;
  outcome: DocumentOutcome['kind'];
  expected: 'posted' | 'review' | 'failed';
  placedRight: boolean;
  fields: {
    name: string;
    truth: unknown;
    predicted: unknown;
    correct: boolean;
    similarity: number;
    confidence: number;
    /** In the posted record (false when withheld or not posted at all). */
    posted: boolean;
    /** What the confidence model read it from (pipeline/confidence.ts), for bench/fit-confidence.ts. */
    signals?: Signals;
  }[];
  /** Review reasons besides low field confidence (missing fields, failed rules, the class). */
  otherReasons: string[];
  /** Confidence of each required field that was read and that the truth labels. */
  requiredConfidences: Record<string, number>;
  /** The confidence model's signals of every field read, labelled or not (bench/fit-confidence.ts). */
  signals?: Record<string, Signals>;
  pages: number;
  seconds: number;
  cer: { errors: number; length: number } | null;
}

/** What was read, withheld fields included. */
export function predictedFields(outcome: DocumentOutcome): ExtractedFields {
  if (outcome.kind !== 'failed' && outcome.decided) return outcome.decided.fields;
  if (outcome.kind === 'posted') return outcome.record.fields;
  if (outcome.kind === 'review') return outcome.item.fields;
  return {};
}

/** Compares one document's outcome with its metadata line. */
export function scoreDocument(
  truth: MetadataLine,
  outcome: DocumentOutcome,
  extra: { seconds: number; cer: { errors: number; length: number } | null },
): DocumentScore {
  const predictedType =
    outcome.kind === 'posted'
      ? outcome.record.docType
      : outcome.kind === 'review'
        ? outcome.item.docType
        : 'failed';
  const department =
    outcome.kind === 'posted'
      ? outcome.record.department
      : outcome.kind === 'review'
        ? outcome.item.department
        : null;
  const expected = truth.expect ?? 'posted';
  const placedRight =
    expected === 'posted'
      ? outcome.kind === 'posted' &&
        predictedType === truth.docType &&
        department === (truth.department ?? null)
      : outcome.kind === expected;
  const fields = predictedFields(outcome);
  // Fields of a wrongly classified document do not count as right just because names overlap.
  const sameType = predictedType === truth.docType;
  const scored = Object.entries(truth.fields).map(([name, t]) => {
    const f = sameType ? fields[name] : undefined;
    const s = scoreValue(t, f?.value);
    const signals = sameType && outcome.kind !== 'failed' ? outcome.decided?.signals[name] : undefined;
    return {
      name,
      truth: t,
      predicted: f?.value,
      ...s,
      confidence: f?.confidence ?? 0,
      posted: outcome.kind === 'posted' && f !== undefined && name in outcome.record.fields,
      ...(signals ? { signals } : {}),
    };
  });
  const pages =
    outcome.kind === 'posted'
      ? outcome.record.pages.length
      : outcome.kind === 'review'
        ? outcome.item.pages.length
        : 0;
  return {
    fileName: truth.file_name,
    truthType: truth.docType,
    predictedType,
    outcome: outcome.kind,
    expected,
    placedRight,
    fields: scored,
    otherReasons:
      outcome.kind === 'failed'
        ? [outcome.entry.code]
        : outcome.kind === 'review'
          ? [
              ...(outcome.decided?.otherReasons ??
                outcome.item.reasons.filter((r) => r.code !== 'low-confidence').map((r) => r.code)),
              // A field the truth does not label (a receipt's currency) cannot be judged at any
              // bar; when it held the document at its own, it holds it at every bar tried.
              ...outcome.item.reasons
                .filter((r) => r.code === 'low-confidence' && r.fields.every((f) => !(f in truth.fields)))
                .map((r) => `${r.code}:${r.fields.join(',')}`),
            ]
          : [],
    requiredConfidences: Object.fromEntries(
      Object.entries(requiredConfidencesOf(outcome, predictedType)).filter(([name]) => name in truth.fields),
    ),
    ...(outcome.kind !== 'failed' && outcome.decided ? { signals: outcome.decided.signals } : {}),
    pages,
    seconds: extra.seconds,
    cer: extra.cer,
  };
}

function requiredConfidencesOf(outcome: DocumentOutcome, docType: string): Record<string, number> {
  if (outcome.kind === 'failed' || !(DOC_TYPES as readonly string[]).includes(docType)) return {};
  const fields = predictedFields(outcome);
  const out: Record<string, number> = {};
  for (const name of requiredFields(docType as DocType)) {
    const f = fields[name];
    if (f && f.value !== undefined && f.value !== null && f.value !== '') out[name] = f.confidence;
  }
  return out;
}

export interface RiskPoint {
  /** The one bar every field is held to at this point. */
  threshold: number;
  stp: number;
  postedFieldError: number | null;
  postedFields: number;
}

export const RISK_THRESHOLDS = [
  0, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98, 0.985, 0.99, 0.995, 0.999,
];

/**
 * STP against posted-field error as one bar for every field moves: what a team trades when it
 * asks for fewer wrong values. A document posts at a bar when nothing but confidence held it
 * and its required fields clear the bar; its other fields under the bar are withheld.
 */
export function riskCoverage(scores: DocumentScore[], thresholds = RISK_THRESHOLDS): RiskPoint[] {
  return thresholds.map((t) => {
    let posted = 0;
    let judged = 0;
    let wrong = 0;
    for (const s of scores) {
      if (s.otherReasons.length > 0) continue;
      if (Object.values(s.requiredConfidences).some((c) => c < t)) continue;
      posted += 1;
      for (const f of s.fields) {
        if (f.predicted === undefined || f.confidence < t) continue;
        judged += 1;
        if (!f.correct) wrong += 1;
      }
    }
    return {
      threshold: t,
      stp: scores.length ? posted / scores.length : 0,
      postedFieldError: judged ? wrong / judged : null,
      postedFields: judged,
    };
  });
}

/** The highest STP on the curve whose posted-field error is at most `maxError`. */
export function stpAtError(points: RiskPoint[], maxError: number): { stp: number; threshold: number } | null {
  const ok = points.filter((p) => p.postedFields > 0 && (p.postedFieldError ?? 0) <= maxError);
  if (ok.length === 0) return null;
  const best = ok.reduce((a, b) => (b.stp > a.stp ? b : a));
  return { stp: best.stp, threshold: best.threshold };
}

export interface FieldStats {
  n: number;
  accuracy: number;
  similarity: number;
}

export interface EvalReport {
  documents: number;
  classificationAccuracy: number;
  confusion: Record<string, Record<string, number>>;
  placementAccuracy: number;
  stpRate: number;
  postedFieldErrorRate: number | null;
  postedFields: number;
  ocrCharacterErrorRate: number | null;
  pagesPerMinute: number;
  secondsPerDocument: number;
  fields: Record<string, FieldStats>;
  outcomes: Record<string, number>;
  /** STP against posted-field error over one bar for every field (riskCoverage). */
  riskCoverage: RiskPoint[];
  stpAt1Percent: { stp: number; threshold: number } | null;
  stpAtHalfPercent: { stp: number; threshold: number } | null;
}

export function aggregate(scores: DocumentScore[], wallSeconds: number): EvalReport {
  const confusion: Record<string, Record<string, number>> = {};
  const fieldAcc = new Map<string, { n: number; correct: number; sim: number }>();
  let classRight = 0;
  let placed = 0;
  let posted = 0;
  let postedJudged = 0;
  let postedWrong = 0;
  let cerErrors = 0;
  let cerLength = 0;
  let pages = 0;
  const outcomes: Record<string, number> = { posted: 0, review: 0, failed: 0 };
  for (const s of scores) {
    const row = confusion[s.truthType] ?? {};
    row[s.predictedType] = (row[s.predictedType] ?? 0) + 1;
    confusion[s.truthType] = row;
    if (s.truthType === s.predictedType) classRight += 1;
    if (s.placedRight) placed += 1;
    outcomes[s.outcome] = (outcomes[s.outcome] ?? 0) + 1;
    pages += s.pages;
    if (s.cer) {
      cerErrors += s.cer.errors;
      cerLength += s.cer.length;
    }
    for (const f of s.fields) {
      const key = `${s.truthType}.${f.name}`;
      const a = fieldAcc.get(key) ?? { n: 0, correct: 0, sim: 0 };
      a.n += 1;
      a.correct += f.correct ? 1 : 0;
      a.sim += f.similarity;
      fieldAcc.set(key, a);
    }
    if (s.outcome === 'posted') {
      posted += 1;
      for (const f of s.fields) {
        if (f.predicted === undefined || !f.posted) continue;
        postedJudged += 1;
        if (!f.correct) postedWrong += 1;
      }
    }
  }
  const n = scores.length;
  const curve = riskCoverage(scores);
  const fields: Record<string, FieldStats> = {};
  for (const [k, a] of [...fieldAcc.entries()].sort(([x], [y]) => x.localeCompare(y))) {
    fields[k] = { n: a.n, accuracy: a.correct / a.n, similarity: a.sim / a.n };
  }
  return {
    documents: n,
    classificationAccuracy: n ? classRight / n : 0,
    confusion,
    placementAccuracy: n ? placed / n : 0,
    stpRate: n ? posted / n : 0,
    postedFieldErrorRate: postedJudged ? postedWrong / postedJudged : null,
    postedFields: postedJudged,
    ocrCharacterErrorRate: cerLength ? cerErrors / cerLength : null,
    pagesPerMinute: wallSeconds > 0 ? (pages / wallSeconds) * 60 : 0,
    secondsPerDocument: n ? wallSeconds / n : 0,
    fields,
    outcomes,
    riskCoverage: curve,
    stpAt1Percent: stpAtError(curve, 0.01),
    stpAtHalfPercent: stpAtError(curve, 0.005),
  };
}

/** Character error rate of OCR text against a transcript, whitespace collapsed on both sides. */
export function characterErrors(reference: string, hypothesis: string): { errors: number; length: number } {
  const r = reference.replace(/\s+/g, ' ').trim();
  const h = hypothesis.replace(/\s+/g, ' ').trim();
  return { errors: levenshtein(r, h), length: r.length };
}
