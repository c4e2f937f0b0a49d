import type { ClassifiedType, ExtractedFields } from '../schemas/common.ts';
import { requiredFields } from '../schemas/documents.ts';
import type { ReviewReason } from '../schemas/record.ts';
import type { Thresholds } from '../schemas/thresholds.ts';
import { classThreshold, fieldThreshold } from './config.ts';

export type RouteDecision = { outcome: 'posted' } | { outcome: 'review'; reasons: ReviewReason[] };

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
    };
  }
  const reasons: ReviewReason[] = [];
  const minClass = classThreshold(thresholds, docType);
  if (classConfidence < minClass) {
    reasons.push({
      code: 'low-class-confidence',
      fields: [],
      message: `Classified as ${docType} with confidence ${classConfidence.toFixed(2)}, below ${minClass}.`,
    });
  }
  const required = requiredFields(docType);
  const missing = required.filter((name) => isEmpty(fields[name]?.value));
  // Optional fields are held to the same bar as required ones: a wrong line item or tax amount
  // posted to an ERP costs as much as a wrong total, so only their absence is forgiven.
  for (const [name, field] of Object.entries(fields)) {
    if (isEmpty(field.value)) continue;
    const fused = field.evidence.some((e) => fusedPages.has(e.page));
    const min = fieldThreshold(thresholds, docType, name, fused);
    if (field.confidence < min) {
      reasons.push({
        code: 'low-confidence',
        fields: [name],
        message: `${name} was read with confidence ${field.confidence.toFixed(2)}, below ${min}.`,
      });
    }
  }
  if (missing.length > 0) {
    reasons.push({
      code: 'missing-field',
      fields: missing,
      message: `Required ${missing.length === 1 ? 'field' : 'fields'} not found: ${missing.join(', ')}.`,
    });
  }
  // Validation may repeat a missing field as a schema error; the missing-field reason says it better.
  for (const r of validation) {
    if (r.code === 'invalid-field' && r.fields.every((f) => missing.includes(f))) continue;
    reasons.push(r);
  }
  return reasons.length === 0 ? { outcome: 'posted' } : { outcome: 'review', reasons };
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}
