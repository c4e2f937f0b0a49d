import { collapse } from '../extractors/parse/text.ts';
import type { DocType, Evidence, ExtractedField, ExtractedFields } from '../schemas/common.ts';
import { DOCUMENT_SCHEMAS } from '../schemas/documents.ts';
import type { ReviewReason } from '../schemas/record.ts';
import { validateFields } from './validate.ts';

export interface FieldChange {
  before: unknown;
  after: unknown;
  evidence: Evidence | null;
}

export type CorrectionResult =
  | { ok: true; fields: ExtractedFields; changes: Record<string, FieldChange>; validation: ReviewReason[] }
  | { ok: false; errors: Record<string, string> };

type ZodLike = {
  safeParse(v: unknown): {
    success: boolean;
    data?: unknown;
    error?: { issues: { message: string; path: PropertyKey[] }[] };
  };
};

const tidy = (v: unknown): unknown => {
  if (typeof v === 'string') return collapse(v);
  if (Array.isArray(v)) return v.map(tidy);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== '' && x !== null && x !== undefined)
        .map(([k, x]) => [k, tidy(x)]),
    );
  }
  return v;
};

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * A reviewer's corrections checked as the pipeline checks extracted fields: each value by its
 * zod schema, then the whole document by the cross-field rules (validateFields). A rule that
 * the edit makes fail, on a field the reviewer just set, is an error on that field; failures
 * that were there before are the document's, reported in `validation`, not refused here.
 * `null` or "" clears an optional field.
 */
export function applyCorrections(
  docType: DocType,
  current: ExtractedFields,
  patch: Record<string, unknown>,
  evidence: Record<string, Evidence> = {},
): CorrectionResult {
  const shape = DOCUMENT_SCHEMAS[docType].shape as Record<string, ZodLike>;
  const errors: Record<string, string> = {};
  const fields: ExtractedFields = { ...current };
  const changes: Record<string, FieldChange> = {};
  for (const [name, raw] of Object.entries(patch)) {
    const schema = shape[name];
    if (!schema) {
      errors[name] = `${name} is not a field of ${docType}.`;
      continue;
    }
    const value = tidy(raw);
    const before = current[name]?.value;
    if (value === null || value === '' || value === undefined) {
      if (!schema.safeParse(undefined).success) {
        errors[name] = `${name} is required.`;
        continue;
      }
      delete fields[name];
      if (before !== undefined) changes[name] = { before, after: null, evidence: null };
      continue;
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error!.issues[0]!;
      const where = issue.path.length ? ` (${issue.path.map(String).join('.')})` : '';
      errors[name] = `${name} ${JSON.stringify(value)} is not valid${where}: ${issue.message}`;
      continue;
    }
    const ev = evidence[name] ?? null;
    const kept: ExtractedField | undefined = current[name];
    // The reviewer's word is final: confidence 1, and the evidence is what they pointed at.
    fields[name] = {
      value: parsed.data,
      confidence: 1,
      evidence: ev ? [ev] : same(before, parsed.data) ? (kept?.evidence ?? []) : [],
      flags: [same(before, parsed.data) ? 'confirmed' : 'corrected'],
    };
    changes[name] = { before: before ?? null, after: parsed.data, evidence: ev };
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  const validation = validateFields(docType, fields);
  const already = new Set(validateFields(docType, current).map((r) => r.message));
  for (const reason of validation) {
    if (reason.code !== 'invalid-field' && reason.code !== 'rule-failed') continue;
    // A page that really disagrees with itself (a misprinted total) stays as printed when the
    // reviewer confirms it; only a failure their edit brings about is refused.
    if (already.has(reason.message)) continue;
    for (const name of reason.fields) {
      if (name in patch && !errors[name]) errors[name] = reason.message;
    }
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, fields, changes, validation };
}
