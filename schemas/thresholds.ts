import { z } from 'zod';
import { DOC_TYPES } from './common.ts';

const Confidence = z.number().min(0).max(1);

export const TypeThresholdsSchema = z.object({
  classConfidence: Confidence.optional().describe('minimum classifier confidence to post this type'),
  fieldConfidence: Confidence.optional().describe('minimum confidence for every required field'),
  fields: z
    .record(z.string(), Confidence)
    .optional()
    .describe('per-field minimum confidence, overriding fieldConfidence'),
  policy: z
    .record(z.string(), z.enum(['required', 'optional', 'ignored']))
    .optional()
    .describe(
      "per-field posting policy: 'required' must be present and confident to post; 'optional' is posted when confident, otherwise withheld from the record (listed in its `withheld`) without sending it to review; 'ignored' is neither checked nor posted. Fields the schema requires are always required; others default to optional",
    ),
  fusedFields: z
    .record(z.string(), Confidence)
    .optional()
    .describe(
      'per-field minimum confidence for a field read off a page the line reader also read (pipeline/ocr-fusion.ts): its confidence comes from two engines agreeing, a scale of its own; overrides fields',
    ),
});

/** The routing thresholds: one file, `pipeline/thresholds.json` unless `--thresholds` names another. */
export const ThresholdsSchema = z
  .object({
    default: z.object({
      classConfidence: Confidence.describe('minimum classifier confidence to post'),
      fieldConfidence: Confidence.describe('minimum confidence for every required field'),
    }),
    types: z.partialRecord(z.enum(DOC_TYPES), TypeThresholdsSchema).default({}),
  })
  .strict();
export type Thresholds = z.infer<typeof ThresholdsSchema>;
