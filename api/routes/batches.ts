import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { batchStatus } from '../../pipeline/repository.ts';
import type { Service } from '../../pipeline/service.ts';
import { type ReceivedFile, submitFiles } from '../../pipeline/uploads.ts';
import { plural } from '../../pipeline/wording.ts';
import { BatchStatusSchema, ErrorSchema, IdParamsSchema, UploadResponseSchema } from '../../schemas/api.ts';
import { HttpError } from '../http-error.ts';

/** The HTTP status of each limit a whole upload is refused for (pipeline/uploads.ts REFUSING_CODES). */
const LIMIT_STATUS = new Map([
  ['too-large', 413],
  ['too-many-pages', 422],
  ['too-many-pixels', 422],
]);

export function batchRoutes(svc: Service) {
  const limits = svc.config.limits;
  return async (base: FastifyInstance) => {
    const app = base.withTypeProvider<ZodTypeProvider>();

    app.post(
      '/v1/batches',
      {
        config: { roles: ['uploader'] },
        schema: {
          tags: ['batches'],
          summary: 'Upload a batch of documents (multipart, field "files", one part per file)',
          description:
            'Answers 202 once the files are stored; processing continues in the background. ' +
            'Bytes uploaded before come back as the existing document (`duplicateOf`) and add no work. ' +
            'A file over a size, page or pixel limit refuses the whole upload (413/422) and nothing is stored; ' +
            'a file that cannot be read (empty, corrupt, encrypted, not a document) is kept and marked failed with its reason.',
          consumes: ['multipart/form-data'],
          response: {
            202: UploadResponseSchema,
            401: ErrorSchema,
            403: ErrorSchema,
            413: ErrorSchema,
            422: ErrorSchema,
          },
        },
      },
      async (req, reply) => {
        if (!req.isMultipart()) {
          throw new HttpError(422, 'not-multipart', 'Send the files as multipart/form-data, field "files".');
        }
        const received: ReceivedFile[] = [];
        try {
          for await (const part of req.files()) {
            if (part.fieldname !== 'files') {
              part.file.resume();
              throw new HttpError(
                422,
                'unexpected-field',
                `Unexpected file field "${part.fieldname}"; use "files".`,
              );
            }
            const bytes = await part.toBuffer();
            // toBuffer throws at the size limit, but a truncated stream must never pass as whole.
            if (part.file.truncated) throw tooLarge(part.filename);
            received.push({ fileName: part.filename || `file-${received.length + 1}`, bytes });
          }
        } catch (e) {
          const code = (e as { code?: string }).code;
          if (code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge(null);
          if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT') {
            throw new HttpError(
              413,
              'too-many-files',
              `An upload may hold at most ${plural(limits.maxFiles, 'file')}.`,
            );
          }
          throw e;
        }
        if (!received.length)
          throw new HttpError(422, 'no-files', 'The upload holds no files (field "files").');

        const submitted = await submitFiles(svc, received, req.apiKey!.name);
        if (!submitted.ok) {
          const { refused } = submitted;
          const status = Math.min(...refused.map((f) => LIMIT_STATUS.get(f.code) ?? 422));
          throw new HttpError(
            status,
            status === 413 ? 'too-large' : 'over-limit',
            `${refused.length} file(s) are over the limits; nothing was stored. ${refused.map((f) => `${f.fileName}: ${f.message}`).join(' ')}`,
            refused,
          );
        }
        const { batchId, entries } = submitted;
        return reply.code(202).send({
          batchId,
          documents: entries.map((e) => ({
            documentId: e.documentId,
            fileName: e.fileName,
            status: e.status,
            ...(e.duplicateOf ? { duplicateOf: e.duplicateOf } : {}),
            ...(e.failure ? { failure: e.failure } : {}),
          })),
        });
      },
    );

    app.get(
      '/v1/batches/:id',
      {
        config: { roles: ['uploader', 'reviewer'] },
        schema: {
          tags: ['batches'],
          summary: 'Progress of a batch: done when no document is still processing',
          params: IdParamsSchema,
          response: { 200: BatchStatusSchema, 404: ErrorSchema },
        },
      },
      async (req) => {
        const status = await batchStatus(svc.db, req.params.id);
        if (!status) throw new HttpError(404, 'not-found', `No batch ${req.params.id}.`);
        return status;
      },
    );
  };

  function tooLarge(fileName: string | null) {
    const mb = Math.round(limits.maxFileBytes / (1024 * 1024));
    return new HttpError(
      413,
      'too-large',
      `${fileName ? `"${fileName}" is` : 'A file is'} larger than the ${mb} MB limit; nothing was stored.`,
    );
  }
}
