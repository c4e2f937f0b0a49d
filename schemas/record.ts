import { z } from 'zod';
import { ClassifiedTypeSchema, DepartmentSchema, DocTypeSchema, ExtractedFieldSchema } from './common.ts';
import { LlmUsageSchema } from './llm.ts';
import { PreprocessInfoSchema } from './read.ts';

export const ReviewReasonSchema = z
  .object({
    code: z
      .enum([
        'unknown-type',
        'low-class-confidence',
        'missing-field',
        'low-confidence',
        'invalid-field',
        'rule-failed',
        'ambiguous-date',
        'llm-ungrounded',
        'llm-disagreement',
        'llm-failed',
        'e-invoice-mismatch',
        'e-invoice-unreadable',
        'split-uncertain',
      ])
      .describe('machine-readable reason'),
    fields: z.array(z.string()).describe('the fields the reason is about (empty for document-level reasons)'),
    message: z.string().describe('a sentence a reviewer can act on'),
  })
  .describe('why a document needs a person');
export type ReviewReason = z.infer<typeof ReviewReasonSchema>;

export const PageSummarySchema = z.object({
  number: z.number().int(),
  source: z.enum(['text-layer', 'ocr']),
  width: z.number(),
  height: z.number(),
  dpi: z.number(),
  ocrConfidence: z.number().nullable(),
  preprocess: PreprocessInfoSchema.nullable(),
});

export const SplitSignalSchema = z.object({
  name: z.string().describe('which layout or content signal fired (pipeline/split.ts SignalName)'),
  weight: z.number().describe('what it added to the boundary score (negative: the page continues)'),
  text: z.string().describe('the printed text that fired it'),
});

/** Where a document came from when its file held several (pipeline/split.ts). */
export const SplitInfoSchema = z
  .object({
    parentId: z.string().describe("id of the file the document was split from (the file's own document id)"),
    part: z.number().int().min(1).describe('1-based position of this document in the file'),
    of: z.number().int().min(1).describe('how many documents the file was split into'),
    pages: z
      .array(z.number().int().min(1))
      .min(1)
      .describe(
        "this document's page numbers in the file (page numbers in `pages` and evidence are the file's)",
      ),
    confidence: z
      .number()
      .min(0)
      .max(1)
      .describe("the split's confidence: its least certain page decision; 1 when a reviewer set the pages"),
    signals: z
      .array(SplitSignalSchema)
      .describe(
        'what made the first page of this part start a new document (empty for part 1 and for a reviewer)',
      ),
    by: z.enum(['detector', 'reviewer']).describe('who decided the page groups'),
  })
  .describe('present only on a document that was split out of a multi-document file');
export type SplitInfo = z.infer<typeof SplitInfoSchema>;

/** The record a department queue receives: one JSON line in `posted/<department>.jsonl`. */
export const PostedRecordSchema = z.object({
  id: z
    .string()
    .describe(
      "document id: the first 16 hex digits of its sha256; a part of a multi-document file adds '-' and its part number",
    ),
  sourceFile: z.string().describe('file name as uploaded'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  docType: DocTypeSchema,
  department: DepartmentSchema,
  classConfidence: z.number(),
  fields: z
    .record(z.string(), ExtractedFieldSchema)
    .describe('every extracted field that is posted (all of them on a review item)'),
  withheld: z
    .array(z.string())
    .optional()
    .describe(
      "optional fields that were read but not sure enough to post, left out of `fields` (the thresholds file's policy); absent when none were",
    ),
  pages: z.array(PageSummarySchema).describe('how each page was read'),
  schemaVersion: z.string(),
  processedAt: z.string().describe('ISO 8601 time the record was made'),
  llm: LlmUsageSchema.optional().describe('present when an LLM was asked about the document'),
  split: SplitInfoSchema.optional(),
});
export type PostedRecord = z.infer<typeof PostedRecordSchema>;

/** A document sent to a person, written to `review/<id>.json`. */
export const ReviewItemSchema = PostedRecordSchema.extend({
  docType: ClassifiedTypeSchema,
  department: DepartmentSchema.nullable(),
  reasons: z.array(ReviewReasonSchema).min(1),
});
export type ReviewItem = z.infer<typeof ReviewItemSchema>;

export const FailedEntrySchema = z.object({
  sourceFile: z.string(),
  sha256: z.string().nullable(),
  code: z.string().describe('stable reason code, e.g. "empty-file"'),
  message: z.string().describe('a sentence for a person'),
});
export type FailedEntry = z.infer<typeof FailedEntrySchema>;

export const DuplicateEntrySchema = z.object({
  sourceFile: z.string(),
  sha256: z.string(),
  duplicateOf: z.string().describe('the file with the same bytes that was processed'),
});

/** What became of one input file: one entry per file in `summary.json`, in input order. */
export const FileOutcomeSchema = z.object({
  sourceFile: z.string().describe('file name as given'),
  path: z.string().describe('the file as it was read (absolute path)'),
  outcome: z.enum(['posted', 'review', 'failed', 'duplicate']),
  id: z.string().nullable().describe('document id; null when the file could not be read'),
  docType: ClassifiedTypeSchema.nullable(),
  department: DepartmentSchema.nullable(),
  pages: z.number().int(),
  output: z
    .string()
    .nullable()
    .describe('where the result is, relative to the output folder; null for a duplicate'),
  reasons: z.array(ReviewReasonSchema).optional().describe('review only: why a person must look'),
  failure: z
    .object({ code: z.string(), message: z.string() })
    .optional()
    .describe('failed only: the reason code and a sentence'),
  duplicateOf: z.string().optional().describe('duplicate only: the file with the same bytes'),
  split: SplitInfoSchema.optional().describe(
    'a file holding several documents has one entry per document, each with the part it is',
  ),
});
export type FileOutcome = z.infer<typeof FileOutcomeSchema>;

export const RunSummarySchema = z.object({
  documents: z
    .number()
    .int()
    .describe('documents seen, duplicates included: one per file, one per part of a file that was split'),
  pages: z.number().int(),
  pagesBySource: z.object({ 'text-layer': z.number().int(), ocr: z.number().int() }),
  posted: z.object({ finance: z.number().int(), hr: z.number().int(), claims: z.number().int() }),
  review: z.number().int(),
  failed: z.number().int(),
  duplicates: z.array(DuplicateEntrySchema),
  files: z.array(FileOutcomeSchema).describe('every input file with its outcome, in input order'),
  seconds: z.number(),
  pagesPerMinute: z.number(),
  startedAt: z.string(),
  finishedAt: z.string(),
  llm: z
    .object({
      model: z.string(),
      documents: z.number().int().describe('documents the LLM was asked about'),
      requests: z.number().int(),
      inputTokens: z.number().int(),
      outputTokens: z.number().int(),
      cost: z.number().describe('total, at the configured price per 1k tokens'),
      costPerDocument: z.number().describe('cost divided by the documents posted or sent to review'),
      perDocument: z
        .array(LlmUsageSchema.omit({ model: true }).extend({ sourceFile: z.string() }))
        .describe('what each document cost'),
    })
    .optional()
    .describe('present when an LLM is configured'),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;
