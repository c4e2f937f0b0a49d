import { z } from 'zod';
import { ClassifiedTypeSchema, DepartmentSchema } from './common.ts';

/** One line of `metadata.jsonl` in the evaluation format (DESIGN.md). */
export const MetadataLineSchema = z.object({
  file_name: z.string(),
  docType: ClassifiedTypeSchema,
  department: DepartmentSchema.nullable().optional(),
  fields: z.record(z.string(), z.unknown()).default({}),
  expect: z.enum(['posted', 'review', 'failed']).optional().describe('where the document should land'),
  kind: z.enum(['digital', 'scan']).optional().describe('generated samples: how the file was made'),
  pages: z.number().int().optional(),
});
export type MetadataLine = z.infer<typeof MetadataLineSchema>;
