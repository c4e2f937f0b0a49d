import { z } from 'zod';

/**
 * The job catalogue: every job the service queues, by name. Producers accept only these, and
 * workers parse payloads with them, so a payload that cannot parse fails for good, not retried.
 */
export const PageJobSchema = z.object({
  documentId: z.string().min(1),
  revision: z.number().int().min(1).describe('the document revision the page is read for'),
  page: z.number().int().min(1).describe('1-based page number'),
});
export type PageJob = z.infer<typeof PageJobSchema>;

export const DocumentJobSchema = z.object({
  documentId: z.string().min(1),
  revision: z.number().int().min(1),
});
export type DocumentJob = z.infer<typeof DocumentJobSchema>;

export const JOBS = {
  /** Reads one page: text layer or preprocessing + OCR. Runs on the `pages` queue. */
  'read-page': PageJobSchema,
  /** Classifies, extracts, validates and routes once every page is read (`documents` queue). */
  'decide-document': DocumentJobSchema,
} as const;
export type JobName = keyof typeof JOBS;
export type JobOf<N extends JobName> = z.infer<(typeof JOBS)[N]>;

/** Deterministic ids: the same document revision never gets two jobs for the same work. */
export const jobIds = {
  page: (j: PageJob) => `page-${j.documentId}-r${j.revision}-p${j.page}`,
  document: (j: DocumentJob) => `doc-${j.documentId}-r${j.revision}`,
};
