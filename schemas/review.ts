import { z } from 'zod';
import { DocumentViewSchema } from './api.ts';
import { BoxSchema, DepartmentSchema, DocTypeSchema, EvidenceSchema } from './common.ts';
import { ReviewReasonSchema } from './record.ts';

/** HTTP contracts of the review API (/v1/review, /v1/vendors); part of the OpenAPI document. */

export const TaskStatusSchema = z
  .enum(['open', 'claimed', 'done'])
  .describe(
    'open: waiting (or its lease ran out); claimed: a reviewer holds the lease; done: approved or rejected',
  );

export const TaskSummarySchema = z.object({
  taskId: z.string(),
  documentId: z.string(),
  department: DepartmentSchema.nullable().describe('null for a document of no known type'),
  docType: z.string().describe('a document type, or "unknown"'),
  reasons: z.array(ReviewReasonSchema).describe('why the document was sent to review'),
  priority: z
    .number()
    .int()
    .describe('1 is most urgent: unknown type, then failed rules, then low confidence'),
  dueAt: z.string().describe('when the department SLA runs out'),
  status: TaskStatusSchema,
  claimedBy: z.string().optional().describe('the name of the key holding the lease'),
  leaseUntil: z.string().optional().describe('when the lease runs out unless renewed by claiming again'),
  outcome: z.enum(['approved', 'rejected']).optional(),
  fileName: z.string(),
  createdAt: z.string(),
});
export type TaskSummary = z.infer<typeof TaskSummarySchema>;

export const TasksQuerySchema = z.object({
  department: z
    .enum(['finance', 'hr', 'claims', 'none'])
    .optional()
    .describe('"none" for documents of no known type'),
  docType: z.string().max(40).optional(),
  reason: ReviewReasonSchema.shape.code.optional().describe('tasks with a reason of this code'),
  status: TaskStatusSchema.optional().describe('default: every task not done'),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export const TasksResponseSchema = z.object({ tasks: z.array(TaskSummarySchema) });

export const TaskWordSchema = z.object({ text: z.string(), box: BoxSchema });

export const TaskPageSchema = z.object({
  number: z.number().int(),
  imageUrl: z.string(),
  width: z.number().describe('px of the page image; boxes are in these pixels'),
  height: z.number(),
  words: z.array(TaskWordSchema).describe('every word read on the page: click targets of the page view'),
});

export const TaskFieldSchema = z.object({
  name: z.string(),
  kind: z.enum(['date', 'money', 'text', 'list']).describe('how the value is written'),
  required: z.boolean(),
  description: z.string().optional(),
  value: z.unknown().describe('canonical value; null when the field was not found'),
  confidence: z.number().nullable(),
  evidence: z.array(EvidenceSchema),
  flags: z.array(z.string()),
  flagged: z.boolean().describe('needs a look: named by a review reason, or missing while required'),
  reasons: z.array(z.string()).describe('the review reasons naming this field'),
});

export const TaskViewSchema = z.object({
  task: TaskSummarySchema,
  document: DocumentViewSchema,
  pages: z.array(TaskPageSchema),
  fields: z.array(TaskFieldSchema).describe('every field of the type, in schema order'),
  vendorId: z.string().nullable().describe('the vendor memory this document matches, if any'),
  hints: z
    .object({
      dateOrder: z.enum(['DMY', 'MDY']).nullable().describe('how this document writes numeric dates'),
      decimal: z.enum(['.', ',']).nullable().describe('its decimal mark'),
    })
    .describe("the document's conventions, for turning a clicked word into a canonical value"),
});

export const CorrectionBodySchema = z.object({
  fields: z
    .record(z.string(), z.unknown())
    .describe('field name to canonical value; null or "" clears an optional field; lineItems takes an array'),
  evidence: z
    .record(z.string(), EvidenceSchema)
    .optional()
    .describe('per field, the word the reviewer picked on the page; it becomes the field evidence'),
});

export const FieldErrorsSchema = z.object({
  error: z.literal('invalid-fields'),
  message: z.string(),
  requestId: z.string().optional(),
  details: z.object({ fields: z.record(z.string(), z.string()).describe('field name to what is wrong') }),
});

export const RejectBodySchema = z.object({
  reason: z.string().min(1).max(2000).describe('why, for the audit trail'),
  docType: DocTypeSchema.optional().describe('re-route: extract the document again as this type'),
  department: DepartmentSchema.optional().describe('re-route an unknown document to this department'),
});

export const ApproveResponseSchema = z.object({
  task: TaskSummarySchema,
  recordId: z.string(),
  idempotencyKey: z.string(),
  learned: z.number().int().describe('vendor memory entries this approval taught'),
});

export const MemoryEntrySchema = z.object({
  entryId: z.string(),
  field: z.string(),
  kind: z
    .enum(['position', 'date-order', 'number-locale'])
    .describe('position: where the field is and the label before it; date-order; number-locale'),
  data: z.record(z.string(), z.unknown()),
  documentId: z.string().describe('the approved document it was learned from'),
  createdBy: z.string(),
  createdAt: z.string(),
  revertedAt: z.string().nullable(),
  revertedBy: z.string().nullable(),
});

export const VendorSchema = z.object({
  vendorId: z.string(),
  docType: DocTypeSchema,
  name: z.string(),
  taxId: z.string().nullable(),
});

export const VendorMemorySchema = z.object({
  vendor: VendorSchema,
  entries: z
    .array(MemoryEntrySchema)
    .describe('newest first; reverted entries stay listed but are not applied'),
});

export const VendorsResponseSchema = z.object({
  vendors: z.array(VendorSchema.extend({ entries: z.number().int().describe('live entries') })),
});

export const MemoryEntryParamsSchema = z.object({
  id: z.string().min(1).max(100),
  entryId: z.string().min(1).max(100),
});
