import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import type { Service } from '../pipeline/service.ts';
import { DEPARTMENTS } from '../schemas/common.ts';

/** BullMQ's dashboard at /admin/queues; the app's auth hook lets only admin keys in. */
export async function registerQueueDashboard(app: FastifyInstance, svc: Service): Promise<void> {
  const adapter = new FastifyAdapter();
  adapter.setBasePath('/admin/queues');
  const { pages, documents, departments } = svc.queues;
  createBullBoard({
    queues: [pages, documents, ...DEPARTMENTS.map((d) => departments[d])].map((q) => new BullMQAdapter(q)),
    serverAdapter: adapter,
  });
  await app.register(adapter.registerPlugin(), { prefix: '/admin/queues' });
}
