import type { ClassifiedType, ExtractedFields } from '../schemas/common.ts';
import { requiredFields } from '../schemas/documents.ts';
import type { ReviewReason } from '../schemas/record.ts';
import type { Thresholds } from '../schemas/thresholds.ts';
import { classThreshold, fieldPolicy, fieldThreshold } from './config.ts';

/**
 * `withheld`: optional fields read below their bar, left out of the posted record rather than
 * holding it back; `ignored`: fields the policy neither checks nor posts.
 */
export type RouteDecision = ({ outcome: 'posted' } | { outcome: 'review'; reasons: ReviewReason[] }) & {
  withheld: string[];
  ignored: string[];
};

/**
 * A number as printed beside the one it is compared with: with as many decimals as either has
 * (at least two), so "0.96 below 0.961" cannot appear when 0.960 < 0.961 is meant.
 */
export function formatCompared(x: number, other: number): string {
  const places = (v: number) => (String(v).split('.')[1] ?? '').length;
  return x.toFixed(Math.min(4, Math.max(2, places(x), places(other))));
}

/**
 * Posts only when the class and every field clear their thresholds and validation
 * passed; anything else goes to a person with every reason at once, so a reviewer sees the
 * whole picture rather than fixing one problem per round trip.
 */
export function route(input: {
  docType: ClassifiedType;
  classConfidence: number;
  fields: ExtractedFields;
  validation: ReviewReason[];
  thresholds: Thresholds;
  /** Pages the line reader also read; fields from them meet the `fusedFields` thresholds. */
  fusedPages?: ReadonlySet<number>;
}): RouteDecision {
  const { docType, classConfidence, fields, validation, thresholds } = input;
  const fusedPages = input.fusedPages ?? new Set<number>();
  if (docType === 'unknown') {
    return {
      outcome: 'review',
      reasons: [
        {
          code: 'unknown-type',
          fields: [],
          message: 'The document matches none of the known document types.',
        },
      ],
      withheld: [],
      ignored: [],
    };
  }
  const reasons: ReviewReason[] = [];
  const minClass = classThreshold(thresholds, docType);
  if (classConfidence < minClass) {
    reasons.push({
      code: 'low-class-confidence',
      fields: [],
      message: `Classified as ${docType} with confidence ${formatCompared(classConfidence, minClass)}, below ${formatCompared(minClass, classConfidence)}.`,
    });
  }
  const withheld: string[] = [];
  const ignored: string[] = [];
  const policy = (name: string) => fieldPolicy(thresholds, docType, name);
  const required = [
    ...new Set([
      ...requiredFields(docType),
      ...Object.entries(thresholds.types[docType]?.policy ?? {})
        .filter(([, p]) => p === 'required')
        .map(([k]) => k),
    ]),
  ];
  const missing = required.filter((name) => isEmpty(fields[name]?.value));
  for (const [name, field] of Object.entries(fields)) {
    if (isEmpty(field.value)) continue;
    const p = policy(name);
    if (p === 'ignored') {
      ignored.push(name);
      continue;
    }
    const fused = field.evidence.some((e) => fusedPages.has(e.page));
    const min = fieldThreshold(thresholds, docType, name, fused);
    if (field.confidence >= min) continue;
    // An optional field in doubt is left out of the record, not a reason to hold the rest back:
    // the ERP gets what is sure, and a wrong tax amount is never posted.
    if (p === 'optional') {
      withheld.push(name);
      continue;
    }
    reasons.push({
      code: 'low-confidence',
      fields: [name],
      message: `${name} was read with confidence ${formatCompared(field.confidence, min)}, below ${formatCompared(min, field.confidence)}.`,
    });
  }
  if (missing.length > 0) {
    reasons.push({
      code: 'missing-field',
      fields: missing,
      message: `Required ${missing.length === 1 ? 'field' : 'fields'} not found: ${missing.join(', ')}.`,
    });
  }
  // Validation may repeat a missing field as a schema error; the missing-field reason says it better.
  // A rule about ignored fields only is not this policy's concern.
  for (const r of validation) {
    if (r.code === 'invalid-field' && r.fields.every((f) => missing.includes(f))) continue;
    if (r.fields.length > 0 && r.fields.every((f) => ignored.includes(f))) continue;
    reasons.push(r);
  }
  return reasons.length === 0
    ? { outcome: 'posted', withheld, ignored }
    : { outcome: 'review', reasons, withheld, ignored };
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}
