import { z } from 'zod';
import { PostedRecordSchema } from './record.ts';

/** The record envelope as JSON Schema, for ERP integrators who do not read TypeScript. */
export function recordJsonSchema(): unknown {
  return {
    ...z.toJSONSchema(PostedRecordSchema, { io: 'output' }),
    title: 'Paperline posted record',
  };
}
