import { z } from 'zod';

/** A rectangle in pixels of the page image it belongs to (origin top-left). */
export const BoxSchema = z
  .object({
    x0: z.number().describe('left edge, px'),
    y0: z.number().describe('top edge, px'),
    x1: z.number().describe('right edge, px'),
    y1: z.number().describe('bottom edge, px'),
  })
  .describe('A box on the page image, in pixels from the top-left corner');
export type Box = z.infer<typeof BoxSchema>;

export const EvidenceSchema = z
  .object({
    page: z.number().int().min(1).describe('1-based page number'),
    box: BoxSchema.nullable().describe('where the value was read; null when it was derived'),
    text: z.string().describe('the source text the value was read from'),
    attachment: z
      .string()
      .optional()
      .describe('the embedded e-invoice XML the value was read from, when it was not read on a page'),
    path: z.string().optional().describe('with `attachment`: the XML element the value came from'),
  })
  .describe('Where on the document a value came from');
export type Evidence = z.infer<typeof EvidenceSchema>;

export const CanonicalDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  // The pattern alone lets "2024-02-30" through, and a reviewer typing dates will try it.
  .refine((v) => {
    const d = new Date(`${v}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
  }, 'not a day of the calendar')
  .describe('a date as YYYY-MM-DD');
export const CanonicalMoney = z
  .string()
  .regex(/^-?\d+\.\d{2}$/)
  .describe('an amount as a decimal string with two places, e.g. "110.00"');
export const CurrencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/)
  .describe('ISO 4217 currency code, e.g. "USD"');

export const DOC_TYPES = [
  'invoice',
  'receipt',
  'payslip',
  'wage_statement',
  'claim_form',
  'medical_bill',
] as const;
export const DocTypeSchema = z.enum(DOC_TYPES).describe('the type of document');
export type DocType = z.infer<typeof DocTypeSchema>;
export const ClassifiedTypeSchema = z.union([DocTypeSchema, z.literal('unknown')]);
export type ClassifiedType = z.infer<typeof ClassifiedTypeSchema>;

export const DEPARTMENTS = ['finance', 'hr', 'claims'] as const;
export const DepartmentSchema = z
  .enum(DEPARTMENTS)
  .describe('the department whose queue consumes the record');
export type Department = z.infer<typeof DepartmentSchema>;

export const DEPARTMENT_OF: Record<DocType, Department> = {
  invoice: 'finance',
  receipt: 'finance',
  payslip: 'hr',
  wage_statement: 'hr',
  claim_form: 'claims',
  medical_bill: 'claims',
};

/**
 * One extracted field. `value` is canonical (DESIGN.md): dates YYYY-MM-DD, money as a
 * two-place decimal string, names and addresses as printed with whitespace collapsed.
 * Line items carry an array of objects as their value.
 */
export const FieldCandidateSchema = z
  .object({
    source: z.enum(['rules', 'llm']).describe('which extractor proposed the value'),
    value: z.unknown().describe('the canonical value it proposed'),
    confidence: z.number().min(0).max(1),
    evidence: z.array(EvidenceSchema).describe('where it says the value was read'),
    grounded: z
      .boolean()
      .describe('whether the value was found, canonicalised, in the lines the proposer cited'),
  })
  .describe('one proposed value for a field, shown to a reviewer when proposals disagree');
export type FieldCandidate = z.infer<typeof FieldCandidateSchema>;

export const ExtractedFieldSchema = z.object({
  value: z.unknown().describe('the canonical value'),
  confidence: z.number().min(0).max(1).describe('0..1, how sure the extractor is'),
  evidence: z.array(EvidenceSchema).describe('where the value was read'),
  flags: z
    .array(z.string())
    .optional()
    .describe(
      'caveats, e.g. "ambiguous-date-order"; "llm" when an LLM filled it, "llm-agrees" when it confirmed it',
    ),
  candidates: z
    .array(FieldCandidateSchema)
    .optional()
    .describe('every proposal when the rules and the LLM disagree, or the LLM proposed an ungrounded value'),
});
export type ExtractedField = z.infer<typeof ExtractedFieldSchema>;
export type ExtractedFields = Record<string, ExtractedField>;
