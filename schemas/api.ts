import { z } from 'zod';
import { ClassifiedTypeSchema, DepartmentSchema, DocTypeSchema, ExtractedFieldSchema } from './common.ts';
import { PageSummarySchema, ReviewReasonSchema, SplitInfoSchema } from './record.ts';

/** HTTP contracts of the v1 API; the OpenAPI document at /docs is generated from these. */

export const ROLES = ['uploader', 'reviewer', 'consumer', 'admin'] as const;
export const RoleSchema = z.enum(ROLES).describe('what a key may do; admin may do everything');
export type Role = z.infer<typeof RoleSchema>;

export const ErrorSchema = z
  .object({
    error: z.string().describe('stable error code, e.g. "forbidden"'),
    message: z.string().describe('a sentence for a person'),
    requestId: z.string().optional(),
    details: z.unknown().optional(),
  })
  .describe('every error answer has this shape');

export const DocumentStatusSchema = z
  .enum(['processing', 'posted', 'review', 'failed', 'split', 'superseded'])
  .describe(
    "'split': a file holding several documents, each a part document of its own (`parts`); 'superseded': a part a reviewer's regrouping replaced",
  );
export type DocumentStatus = z.infer<typeof DocumentStatusSchema>;

export const UploadedDocumentSchema = z.object({
  documentId: z.string(),
  fileName: z.string(),
  duplicateOf: z
    .string()
    .optional()
    .describe('set when these bytes were uploaded before: the id of the document they already are'),
  status: DocumentStatusSchema,
  failure: z.object({ code: z.string(), message: z.string() }).optional(),
});

export const UploadResponseSchema = z.object({
  batchId: z.string(),
  documents: z.array(UploadedDocumentSchema),
});

export const BatchStatusSchema = z.object({
  batchId: z.string(),
  status: z.enum(['processing', 'done']),
  counts: z.object({
    total: z.number().int(),
    processing: z.number().int(),
    posted: z.number().int(),
    review: z.number().int(),
    failed: z.number().int(),
  }),
  createdAt: z.string(),
});

export const IdParamsSchema = z.object({ id: z.string().min(1).max(100) });
export const PageParamsSchema = z.object({
  id: z.string().min(1).max(100),
  n: z.coerce.number().int().min(1),
});

export const DocumentPageSchema = PageSummarySchema.extend({
  imageUrl: z.string().describe('the page image the evidence boxes refer to'),
});

export const AuditEventSchema = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string().describe('"system" or the API key name that acted'),
  type: z
    .string()
    .describe('uploaded, posted, review, failed, reprocess, claimed, corrected, approved, rejected'),
  data: z.unknown(),
});

export const DocumentViewSchema = z.object({
  documentId: z.string(),
  status: DocumentStatusSchema,
  fileName: z.string(),
  sha256: z.string(),
  revision: z.number().int(),
  docType: ClassifiedTypeSchema.nullable(),
  department: DepartmentSchema.nullable(),
  classConfidence: z.number().nullable(),
  fields: z.record(z.string(), ExtractedFieldSchema),
  reasons: z.array(ReviewReasonSchema),
  failure: z.object({ code: z.string(), message: z.string() }).nullable(),
  pageCount: z.number().int().nullable(),
  pages: z.array(DocumentPageSchema),
  split: SplitInfoSchema.optional().describe('on a part of a multi-document file: which part, which pages'),
  parts: z
    .array(
      z.object({ documentId: z.string(), status: DocumentStatusSchema, pages: z.array(z.number().int()) }),
    )
    .optional()
    .describe('on a split file: its documents, in page order'),
  history: z.array(AuditEventSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type DocumentView = z.infer<typeof DocumentViewSchema>;

export const SplitBodySchema = z.object({
  groups: z
    .array(z.array(z.number().int().min(1)).min(1))
    .min(1)
    .describe(
      "the file's documents as groups of 1-based page numbers, every page once: [[1,2],[3]]; one group merges all",
    ),
});

export const RecordSchema = z
  .object({
    recordId: z.string(),
    idempotencyKey: z
      .string()
      .describe('the same for every delivery of this record: dedupe on it; also the BullMQ job id'),
    documentId: z.string(),
    department: DepartmentSchema,
    docType: DocTypeSchema,
    fields: z.record(z.string(), ExtractedFieldSchema).describe('value (canonical), confidence, evidence'),
    sourceFile: z.string(),
    sha256: z.string(),
    postedAt: z.string(),
    schemaVersion: z.string(),
  })
  .describe('a posted record, as the records API and the department queues deliver it');
export type ApiRecord = z.infer<typeof RecordSchema>;

export const RecordsQuerySchema = z.object({
  department: DepartmentSchema.optional().describe("one department's records; omit for every department's"),
  after: z
    .string()
    .regex(/^\d+$/)
    .optional()
    .describe('the `next` cursor of the previous page; omit to start at the first record'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const RecordsResponseSchema = z.object({
  records: z.array(RecordSchema),
  next: z
    .string()
    .nullable()
    .describe('pass as `after` to continue; stays at the last record when none are new'),
});
