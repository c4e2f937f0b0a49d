import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { toCents } from '../extractors/parse/amount.ts';
import type { DocType, ExtractedField, ExtractedFields } from '../schemas/common.ts';
import { DOCUMENT_SCHEMAS } from '../schemas/documents.ts';
import type { Line, PageRead, ReadResult } from '../schemas/read.ts';
import type { ReviewReason } from '../schemas/record.ts';
import { ConfigError } from './config.ts';
import { predictLogistic } from './logistic-regression.ts';
import { FUSED_STEP } from './ocr-fusion.ts';
import { sameReading } from './vendor-memory.ts';

/**
 * A field's confidence as the probability that it is right, learned from the evidence the
 * pipeline already has rather than multiplied out by hand. The extractors still give a
 * confidence of their own (how the value was found, how sure the parser was); it becomes one
 * signal among others: how well the OCR saw the words, whether a second recogniser read the
 * page too, where on the page the value sits, what shape it has, whether arithmetic or vendor
 * memory confirm it. A per-field logistic regression, fitted by bench/fit-confidence.ts on
 * documents with truth, turns those signals into a probability; a field without a fitted
 * model keeps the extractor's confidence.
 */

/** The signals, in the order a model's weights follow. */
export const SIGNALS = [
  'rawLogit',
  'ocrMean',
  'ocrMin',
  'textLayer',
  'fused',
  'derived',
  'evidenceCount',
  'ruleFailed',
  'corroborated',
  'contradicted',
  'doubt',
  'yCentre',
  'xCentre',
  'classConfidence',
  'pageOcr',
  'logLength',
  'words',
  'digitShare',
  'upperShare',
  'legalForm',
  'heightRatio',
  'strayMarks',
  'singleLetters',
  'lowerStart',
  'llm',
  'secondLookAgrees',
  'secondLookDiffers',
] as const;
export type Signal = (typeof SIGNALS)[number];
export type Signals = Record<Signal, number>;

/** A signals record as a vector, in SIGNALS order. */
export const signalVector = (s: Signals): number[] => SIGNALS.map((name) => s[name]);

/** Flags that say another part of the document confirmed the value. */
const CORROBORATING = new Set([
  'arithmetic-checked',
  'confirmed-by-payment',
  'vendor-memory-agrees',
  'vendor-name',
  'name-repeated',
  'confirmed',
  'llm-agrees',
  'e-invoice',
]);
/** Flags that say another part of the document contradicts it. */
const CONTRADICTING = new Set([
  'arithmetic-disagrees',
  'payment-disagrees',
  'llm-disagrees',
  'vendor-memory-disagrees',
]);
/** Flags that say the value was mended or guessed at. */
const DOUBTING = new Set([
  'ocr-repaired',
  'competing-value',
  'no-decimals',
  'decimal-point-restored',
  'ambiguous-date-order',
  'ambiguous-separator',
  'derived-from-rounding',
  'unlabelled-total',
  'undivided-date',
  'wrapped-cell',
  'rejoined-word',
  'pattern',
  'layout',
  'total-from-payment',
]);
const LEGAL_FORM =
  /\b(sdn\.?\s*bhd|bhd|gmbh|ag|kg|ug|e\.?k|sarl|sas|sa|eurl|b\.?v|n\.?v|s\.?l|s\.?a|s\.?p\.?a|s\.?r\.?l|ltd|llc|inc|plc|co|corp|enterprise|trading)\b\.?/i;

const STRAY = /[_|~^"`\u2018\u2019\u201c\u201d<>\\{}[\]=]/;
const share = (xs: string[], test: (x: string) => boolean) =>
  xs.length > 0 ? xs.filter(test).length / xs.length : 0;

export interface SignalContext {
  read: ReadResult;
  classConfidence: number;
  /** Validation and raised reasons: a field a rule names is in doubt. */
  reasons: ReviewReason[];
}

const clamp01 = (x: number) => Math.max(0, Math.min(1, x));
const logit = (p: number) => {
  const q = Math.max(0.001, Math.min(0.999, p));
  return Math.log(q / (1 - q));
};

/** The OCR confidences of a page's words whose centre lies in the box. */
function wordConfidences(page: PageRead, box: { x0: number; y0: number; x1: number; y1: number }): number[] {
  const out: number[] = [];
  for (const line of page.lines) {
    if (line.box.y1 < box.y0 || line.box.y0 > box.y1) continue;
    for (const w of line.words) {
      const cx = (w.box.x0 + w.box.x1) / 2;
      const cy = (w.box.y0 + w.box.y1) / 2;
      if (cx >= box.x0 && cx <= box.x1 && cy >= box.y0 && cy <= box.y1) out.push(w.confidence);
    }
  }
  return out;
}

function medianLineHeight(page: PageRead): number {
  const hs = page.lines.map((l) => l.box.y1 - l.box.y0).sort((a, b) => a - b);
  return Math.max(1, hs[Math.floor(hs.length / 2)] ?? 1);
}

function valueText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return null;
}

/** The lines of a page a field's value was read from: those its evidence boxes hold. */
export function evidenceLines(field: ExtractedField, page: PageRead): Line[] {
  const boxes = field.evidence.flatMap((e) => (e.box && e.page === page.number ? [e.box] : []));
  return page.lines.filter((l) =>
    boxes.some((box) => {
      const mid = (l.box.y0 + l.box.y1) / 2;
      return mid >= box.y0 && mid <= box.y1 && l.box.x1 > box.x0 && l.box.x0 < box.x1;
    }),
  );
}

/**
 * What the second look at a name's lines says (pipeline/read.ts, lookAgainAtTop): 1 when each
 * line the name was read from reads the same again alone, -1 when one reads otherwise, 0 when
 * they were not read again (a text-layer page, a name below the top lines) or the field is
 * not a name. The line is compared, not the value: a name is often only part of its line
 * ("Employee: Jane Doe"), and what the second look tests is the reading, not the extraction.
 */
export function secondLook(name: string, field: ExtractedField, page: PageRead | undefined): number {
  if (!page || !/name$/i.test(name) || typeof field.value !== 'string') return 0;
  const lines = evidenceLines(field, page);
  if (lines.length === 0 || lines.some((l) => l.alone === undefined)) return 0;
  return lines.every((l) => sameReading(l.text, l.alone!)) ? 1 : -1;
}

/** The signals of one field, each a number on a scale the fitter standardises. */
export function fieldSignals(name: string, field: ExtractedField, ctx: SignalContext): Signals {
  const flags = new Set(field.flags ?? []);
  const boxed = field.evidence.filter((e) => e.box !== null);
  const first = boxed[0];
  const page = first ? ctx.read.pages.find((p) => p.number === first.page) : undefined;
  const confs = page && first?.box ? wordConfidences(page, first.box) : [];
  const text = valueText(field.value) ?? '';
  const letters = text.replace(/[^\p{L}]/gu, '');
  const tokens = text.split(/\s+/).filter(Boolean);
  const count = (set: Set<string>) => [...flags].filter((f) => set.has(f)).length;
  const cents =
    typeof field.value === 'string' && /^-?\d+\.\d{2}$/.test(field.value) ? toCents(field.value) : null;
  const look = secondLook(name, field, page);
  return {
    rawLogit: logit(field.confidence),
    ocrMean: confs.length > 0 ? confs.reduce((a, b) => a + b, 0) / confs.length : page ? 0.5 : 1,
    ocrMin: confs.length > 0 ? Math.min(...confs) : page ? 0.5 : 1,
    textLayer: page?.source === 'text-layer' ? 1 : 0,
    fused: page?.preprocess?.steps.includes(FUSED_STEP) ? 1 : 0,
    derived: boxed.length === 0 ? 1 : 0,
    evidenceCount: Math.min(3, boxed.length),
    ruleFailed: ctx.reasons.some((r) => r.code !== 'low-confidence' && r.fields.includes(name)) ? 1 : 0,
    corroborated: count(CORROBORATING),
    contradicted: count(CONTRADICTING),
    doubt: count(DOUBTING),
    yCentre: page && first?.box ? clamp01((first.box.y0 + first.box.y1) / 2 / page.height) : 0.5,
    xCentre: page && first?.box ? clamp01((first.box.x0 + first.box.x1) / 2 / page.width) : 0.5,
    classConfidence: ctx.classConfidence,
    pageOcr: page ? (page.ocrConfidence ?? 1) : 1,
    logLength: cents !== null ? Math.log10(1 + Math.abs(cents) / 100) : Math.log(1 + text.length),
    words: Math.min(10, tokens.length),
    digitShare: text.length > 0 ? text.replace(/\D/g, '').length / text.length : 0,
    upperShare: letters.length > 0 ? letters.replace(/[^\p{Lu}]/gu, '').length / letters.length : 0,
    legalForm: LEGAL_FORM.test(text) ? 1 : 0,
    // What OCR debris looks like in any script: marks no name or address prints, letters
    // standing alone ("Wor Id"), a value that starts in lower case ("laste Of The World").
    // Letterheads print the issuer larger than the body; a value in body-size print under a
    // name label is a different sort of evidence from one printed as a heading.
    heightRatio: page && first?.box ? Math.min(4, (first.box.y1 - first.box.y0) / medianLineHeight(page)) : 1,
    strayMarks: share(tokens, (t) => STRAY.test(t)),
    singleLetters: share(tokens, (t) => /^\p{L}$/u.test(t)),
    lowerStart: /^\p{Ll}/u.test(text) ? 1 : 0,
    llm: flags.has('llm') ? 1 : 0,
    secondLookAgrees: look > 0 ? 1 : 0,
    secondLookDiffers: look < 0 ? 1 : 0,
  };
}

/** The signals of every field of a document, by field name (line items have none). */
export function signalsOf(fields: ExtractedFields, ctx: SignalContext): Record<string, Signals> {
  const out: Record<string, Signals> = {};
  for (const [name, field] of Object.entries(fields)) {
    if (Array.isArray(field.value) || field.value === undefined || field.value === null) continue;
    out[name] = fieldSignals(name, field, ctx);
  }
  return out;
}

/**
 * What sort of value a field holds. One model serves every field of every type: a receipt's
 * date and an invoice's due date are read and mistaken alike, and no single field has wrong
 * values enough on its own to fit a model; the kind lets the model weigh the signals apart.
 */
export const KINDS = ['date', 'money', 'code', 'name', 'address', 'id', 'text'] as const;
export type Kind = (typeof KINDS)[number];

export function kindOf(docType: DocType, name: string): Kind {
  const shape = DOCUMENT_SCHEMAS[docType].shape as Record<string, z.ZodType>;
  const schema = shape[name];
  const sample = (v: string) => schema?.safeParse(v).success === true;
  if (sample('2024-01-31') && !sample('x')) return 'date';
  if (sample('10.00') && !sample('x')) return 'money';
  if (/currency/i.test(name)) return 'code';
  if (/name$/i.test(name)) return 'name';
  if (/address/i.test(name)) return 'address';
  if (/(number|id|ssn|ein|code)$/i.test(name)) return 'id';
  return 'text';
}

/** The model's input: the signals, the kind, and the rules' confidence as each kind reads it. */
export const INPUTS: readonly string[] = [
  ...SIGNALS,
  ...KINDS.map((k) => `kind:${k}`),
  ...KINDS.map((k) => `rawLogit:${k}`),
];

export function modelInput(kind: Kind, s: Signals): number[] {
  return [
    ...signalVector(s),
    ...KINDS.map((k) => (k === kind ? 1 : 0)),
    ...KINDS.map((k) => (k === kind ? s.rawLogit : 0)),
  ];
}

const n = INPUTS.length;
export const FittedSchema = z.object({
  /** Weights over standardised inputs, in INPUTS order. */
  weights: z.array(z.number()).length(n),
  bias: z.number(),
  mean: z.array(z.number()).length(n),
  scale: z.array(z.number().positive()).length(n),
});

export const ConfidenceModelSchema = z
  .object({
    version: z.literal(2),
    inputs: z.array(z.string()),
    /** How the file was made, so it can be made again. */
    command: z.string(),
    trainedOn: z.array(z.string()),
    /** Training fields behind the model, and how many of them were right. */
    n: z.number().int().positive(),
    right: z.number().int().nonnegative(),
    /** `<docType>.<field>` the model applies to: those it was trained on. */
    fields: z.array(z.string()),
    model: FittedSchema,
  })
  .strict()
  .refine((m) => m.inputs.join(',') === INPUTS.join(','), {
    message: `inputs must be exactly ${INPUTS.join(', ')} (the model was fitted to another version of the signals)`,
  });
export type ConfidenceModel = z.infer<typeof ConfidenceModelSchema>;

/** The model's probability that a field with these signals is right. */
export function probability(model: ConfidenceModel, docType: DocType, name: string, s: Signals): number {
  return predictLogistic(model.model, modelInput(kindOf(docType, name), s));
}

export const DEFAULT_CONFIDENCE_MODEL_PATH = join(
  dirname(fileURLToPath(import.meta.url)),
  'confidence-model.json',
);

/** Loads and checks a model file; a file that does not fit the signals is refused, not half used. */
export async function loadConfidenceModel(path = DEFAULT_CONFIDENCE_MODEL_PATH): Promise<ConfidenceModel> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`Cannot read confidence model ${path}: ${(e as Error).message}`);
  }
  const parsed = ConfidenceModelSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(
      `Invalid confidence model ${path}: ${issue?.path.join('.') || 'file'}: ${issue?.message}`,
    );
  }
  return parsed.data;
}

/**
 * Replaces the confidence of each field the model was trained on with the model's
 * probability that it is right. Other fields, and documents read from e-invoice XML, keep theirs.
 */
/** A model fitted on a few thousand fields cannot tell one in a thousand from certainty. */
const MAX_PROBABILITY = 0.999;

export function applyConfidenceModel(
  model: ConfidenceModel | null,
  docType: DocType,
  fields: ExtractedFields,
  signals: Record<string, Signals>,
): ExtractedFields {
  if (!model) return fields;
  const covered = new Set(model.fields);
  const out: ExtractedFields = {};
  for (const [name, field] of Object.entries(fields)) {
    const s = signals[name];
    // A value read from an e-invoice's XML is the issuer's own data, exact by construction:
    // the model, fitted on what pages show, has nothing to say about it.
    const exact = field.flags?.includes('e-invoice') === true;
    out[name] =
      s && !exact && covered.has(`${docType}.${name}`)
        ? {
            ...field,
            confidence: Math.min(
              MAX_PROBABILITY,
              Math.round(probability(model, docType, name, s) * 1000) / 1000,
            ),
          }
        : field;
  }
  return out;
}
