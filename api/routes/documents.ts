import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createPageImages } from '../../pipeline/page-images.ts';
import { getDocument, getEvents, getPages, partsOf, startReprocess } from '../../pipeline/repository.ts';
import type { Service } from '../../pipeline/service.ts';
import {
  AuditEventSchema,
  DocumentViewSchema,
  ErrorSchema,
  IdParamsSchema,
  PageParamsSchema,
} from '../../schemas/api.ts';
import { HttpError } from '../http-error.ts';

export function pageImageUrl(documentId: string, page: number): string {
  return `/v1/documents/${documentId}/pages/${page}`;
}

/** The document as the API shows it: state, fields with evidence, pages and history. */
export async function documentView(svc: Service, id: string): Promise<z.infer<typeof DocumentViewSchema>> {
  const doc = await getDocument(svc.db, id);
  if (!doc) throw new HttpError(404, 'not-found', `No document ${id}.`);
  const [pages, history] = await Promise.all([getPages(svc.db, id), getEvents(svc.db, id)]);
  const parts =
    doc.status === 'split'
      ? (await partsOf(svc.db, id)).map((p) => ({
          documentId: p.id,
          status: p.status,
          pages: p.split && 'pages' in p.split ? p.split.pages : [],
        }))
      : null;
  return {
    documentId: doc.id,
    status: doc.status,
    fileName: doc.fileName,
    sha256: doc.sha256,
    revision: doc.revision,
    docType: doc.docType,
    department: doc.department,
    classConfidence: doc.classConfidence,
    fields: doc.fields,
    reasons: doc.reasons,
    failure: doc.failure,
    pageCount: doc.pageCount,
    pages: pages
      .filter((p) => p.revision === doc.revision)
      .map((p) => ({
        number: p.number,
        source: p.read.source,
        width: p.read.width,
        height: p.read.height,
        dpi: p.read.dpi,
        ocrConfidence: p.read.ocrConfidence,
        preprocess: p.read.preprocess,
        imageUrl: pageImageUrl(doc.id, p.number),
      })),
    ...(doc.split && 'part' in doc.split ? { split: doc.split } : {}),
    ...(parts ? { parts } : {}),
    history,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

export function documentRoutes(svc: Service) {
  return async (base: FastifyInstance) => {
    const app = base.withTypeProvider<ZodTypeProvider>();
    const pageImages = createPageImages(svc);

    app.get(
      '/v1/documents/:id',
      {
        config: { roles: ['uploader', 'reviewer'] },
        schema: {
          tags: ['documents'],
          summary: 'A document: status, type, fields with confidence and evidence, reasons, pages, history',
          params: IdParamsSchema,
          response: { 200: DocumentViewSchema, 404: ErrorSchema },
        },
      },
      async (req) => documentView(svc, req.params.id),
    );

    app.get(
      '/v1/documents/:id/pages/:n',
      {
        config: { roles: ['uploader', 'reviewer'] },
        schema: {
          tags: ['documents'],
          summary: 'The page image (PNG) the evidence boxes refer to',
          params: PageParamsSchema,
        },
      },
      async (req, reply) => {
        const image = await pageImages.get(req.params.id, req.params.n);
        if (!image)
          throw new HttpError(404, 'not-found', `No page ${req.params.n} of document ${req.params.id} yet.`);
        return reply.type('image/png').header('cache-control', 'private, max-age=300').send(image);
      },
    );

    app.get(
      '/v1/documents/:id/audit',
      {
        config: { roles: ['reviewer'] },
        schema: {
          tags: ['documents'],
          summary: 'Every event on the document, oldest first; events are never changed',
          params: IdParamsSchema,
          response: {
            200: z.object({ documentId: z.string(), events: z.array(AuditEventSchema) }),
            404: ErrorSchema,
          },
        },
      },
      async (req) => {
        if (!(await getDocument(svc.db, req.params.id))) {
          throw new HttpError(404, 'not-found', `No document ${req.params.id}.`);
        }
        return { documentId: req.params.id, events: await getEvents(svc.db, req.params.id) };
      },
    );

    app.post(
      '/v1/documents/:id/reprocess',
      {
        config: { roles: [] },
        schema: {
          tags: ['documents'],
          summary: 'Read and decide a failed or in-review document again (admin)',
          params: IdParamsSchema,
          response: { 202: DocumentViewSchema, 404: ErrorSchema, 409: ErrorSchema },
        },
      },
      async (req, reply) => {
        const result = await startReprocess(svc.db, req.params.id, req.apiKey!.name);
        if (!result.ok) {
          if (result.reason === 'not-found')
            throw new HttpError(404, 'not-found', `No document ${req.params.id}.`);
          throw new HttpError(
            409,
            `document-${result.reason}`,
            {
              posted: 'The document is posted; its record has gone to the ERP and is final.',
              processing: 'The document is still being processed.',
              unreadable: 'The file could not be opened at upload; reading it again would fail the same way.',
              split: 'The file holds several documents: regroup its pages with POST /v1/documents/:id/split.',
              part: 'The document is part of a multi-document file: regroup the file with POST /v1/documents/:id/split.',
            }[result.reason],
          );
        }
        const doc = await getDocument(svc.db, req.params.id);
        await svc.queues.enqueueDocument(
          { documentId: doc!.id, revision: result.revision },
          doc!.pageCount ?? 0,
        );
        return reply.code(202).send(await documentView(svc, req.params.id));
      },
    );
  };
}
