import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { listRecords } from '../../pipeline/repository.ts';
import type { Service } from '../../pipeline/service.ts';
import { ErrorSchema, RecordsQuerySchema, RecordsResponseSchema } from '../../schemas/api.ts';

export function recordRoutes(svc: Service) {
  return async (base: FastifyInstance) => {
    const app = base.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/v1/records',
      {
        config: { roles: ['consumer'] },
        schema: {
          tags: ['records'],
          summary: 'Posted records of one department or of all, in posting order, from a cursor',
          description:
            'Each record appears once. Keep the `next` of each page and pass it as `after` next time; ' +
            'an empty page keeps `next` where it was.',
          querystring: RecordsQuerySchema,
          response: { 200: RecordsResponseSchema, 401: ErrorSchema, 403: ErrorSchema },
        },
      },
      async (req) => listRecords(svc.db, req.query),
    );
  };
}
