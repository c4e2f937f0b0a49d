import { z } from 'zod';
import { DOC_TYPES } from './common.ts';

const Confidence = z.number().min(0).max(1);

/**
 * A score half a signal step (0.5) from the boundary bar or nearer is a coin toss: its
 * confidence is at most 1/(1+e^-0.5) = 0.62, so 0.65 sends it to a person.
 */
export const SPLIT_DEFAULTS = { boundaryScore: 3, reviewBelow: 0.65 };

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
    split: z
      .object({
        boundaryScore: z
          .number()
          .describe('boundary score a page needs to start a new document (pipeline/split.ts; default 3)'),
        reviewBelow: Confidence.describe(
          "a multi-document file whose split confidence is below this sends every part to review ('split-uncertain'); 0.5 is a boundary scored exactly at boundaryScore",
        ),
      })
      .strict()
      .optional()
      .describe('how a file holding several documents is split; absent: SPLIT_DEFAULTS'),
  })
  .strict();
export type Thresholds = z.infer<typeof ThresholdsSchema>;
