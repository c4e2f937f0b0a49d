import { z } from 'zod';
import { RecordSchema } from './api.ts';
import { PostedRecordSchema } from './record.ts';

/** The record envelope as JSON Schema, for ERP integrators who do not read TypeScript. */
export function recordJsonSchema(): unknown {
  return {
    ...z.toJSONSchema(PostedRecordSchema, { io: 'output' }),
    title: 'Paperline posted record',
  };
}

/** A record as the service delivers it: a department queue job's data and a records API item. */
export function apiRecordJsonSchema(): unknown {
  return {
    ...z.toJSONSchema(RecordSchema, { io: 'output' }),
    title: 'Paperline record (service: department queues and GET /v1/records)',
  };
}

/** Files `npm run schema` writes; a test checks each is current. */
export const JSON_SCHEMA_FILES: Record<string, () => unknown> = {
  'docs/record.schema.json': recordJsonSchema,
  'docs/api-record.schema.json': apiRecordJsonSchema,
};
