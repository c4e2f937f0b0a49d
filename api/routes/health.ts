import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { Gauge } from 'prom-client';
import { z } from 'zod';
import { documentCounts, openReviewCount } from '../../pipeline/repository.ts';
import type { Service } from '../../pipeline/service.ts';
import { DEPARTMENTS } from '../../schemas/common.ts';

const registered = new WeakSet<object>();

/**
 * Gauges read at scrape time from the database and Redis, so every API process reports the
 * same numbers however many workers there are.
 */
function registerServiceGauges(svc: Service): void {
  const registry = svc.metrics.registry;
  if (registered.has(registry)) return;
  registered.add(registry);
  new Gauge({
    name: 'paperline_documents',
    help: 'Documents by status (processing, posted, review, failed)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = await documentCounts(svc.db);
      for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'paperline_review_backlog',
    help: 'Review tasks not yet done',
    registers: [registry],
    async collect() {
      this.set(await openReviewCount(svc.db));
    },
  });
  new Gauge({
    name: 'paperline_queue_jobs',
    help: 'Jobs in each queue by state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      const { pages, documents, departments } = svc.queues;
      for (const q of [pages, documents, ...DEPARTMENTS.map((d) => departments[d])]) {
        const counts = await q.getJobCounts(
          'waiting',
          'active',
          'delayed',
          'failed',
          'waiting-children',
          'completed',
        );
        for (const [state, n] of Object.entries(counts)) this.set({ queue: q.name, state }, n);
      }
    },
  });
}

async function check(fn: () => Promise<void>): Promise<string> {
  try {
    await fn();
    return 'ok';
  } catch (e) {
    return `unreachable: ${(e as Error).message}`;
  }
}

export function healthRoutes(svc: Service) {
  return async (base: FastifyInstance) => {
    const app = base.withTypeProvider<ZodTypeProvider>();
    registerServiceGauges(svc);

    app.get(
      '/healthz',
      {
        config: { public: true },
        schema: {
          tags: ['health'],
          summary: 'The process is up',
          response: { 200: z.object({ status: z.literal('ok') }) },
        },
      },
      async () => ({ status: 'ok' as const }),
    );

    const Ready = z.object({
      status: z.enum(['ready', 'not-ready']),
      checks: z.object({ redis: z.string(), database: z.string(), storage: z.string() }),
    });
    app.get(
      '/readyz',
      {
        config: { public: true },
        schema: {
          tags: ['health'],
          summary: 'Redis, the database and storage are reachable',
          response: { 200: Ready, 503: Ready },
        },
      },
      async (_req, reply) => {
        const [redis, database, storage] = await Promise.all([
          check(() => svc.queues.ping()),
          check(() => svc.db.ping()),
          check(() => svc.store.ping()),
        ]);
        const ok = [redis, database, storage].every((c) => c === 'ok');
        return reply
          .code(ok ? 200 : 503)
          .send({ status: ok ? 'ready' : 'not-ready', checks: { redis, database, storage } });
      },
    );

    app.get(
      '/metrics',
      { config: { roles: [] }, schema: { tags: ['health'], summary: 'Prometheus metrics (admin key)' } },
      async (_req, reply) => {
        const body = await svc.metrics.registry.metrics();
        return reply.type(svc.metrics.registry.contentType).send(body);
      },
    );
  };
}
