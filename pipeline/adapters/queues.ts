import { FlowProducer, Queue, type RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { ApiRecord } from '../../schemas/api.ts';
import { DEPARTMENTS, type Department } from '../../schemas/common.ts';
import { type DocumentJob, JOBS, type JobName, type JobOf, jobIds } from '../../schemas/jobs.ts';

/** Queue names. Each lives under the configured Redis prefix, e.g. `paperline:pages`. */
export const QUEUE_NAMES = {
  pages: 'pages',
  documents: 'documents',
} as const;

export interface QueueSettings {
  redisUrl: string;
  prefix: string;
  /** Tries per job for transient faults, with exponential backoff. */
  attempts: number;
}

/** ioredis options from a redis:// or rediss:// URL. */
export function redisOptions(url: string): RedisOptions {
  const u = new URL(url);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.pathname.length > 1 ? { db: Number(u.pathname.slice(1)) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    // BullMQ workers block on Redis; a capped retry count would turn a slow Redis into lost jobs.
    maxRetriesPerRequest: null,
  };
}

/**
 * The producer side of the service's queues: document flows in, records out. Workers are built
 * elsewhere (pipeline/service-workers.ts) with the same settings.
 */
export interface Queues {
  readonly settings: QueueSettings;
  readonly pages: Queue;
  readonly documents: Queue;
  readonly departments: Record<Department, Queue>;
  /** Queues a document's flow: one read-page job per page, then decide-document. */
  enqueueDocument(job: DocumentJob, pageCount: number): Promise<void>;
  /** Publishes records to their department queues, the idempotency key as job id. */
  publishRecords(records: ApiRecord[]): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function parseJob<N extends JobName>(name: N, data: unknown): JobOf<N> {
  return JOBS[name].parse(data) as JobOf<N>;
}

export function createQueues(settings: QueueSettings): Queues {
  const connection = redisOptions(settings.redisUrl);
  const base = { connection, prefix: settings.prefix };
  const jobOptions = {
    attempts: settings.attempts,
    backoff: { type: 'exponential' as const, delay: 2000 },
    // Kept for a while so a dashboard shows recent work and deterministic ids stay deduplicated.
    removeOnComplete: { age: 7 * 24 * 3600, count: 50_000 },
    removeOnFail: { age: 30 * 24 * 3600 },
  };
  const pages = new Queue(QUEUE_NAMES.pages, { ...base, defaultJobOptions: jobOptions });
  const documents = new Queue(QUEUE_NAMES.documents, { ...base, defaultJobOptions: jobOptions });
  // Department queues are the ERP's: records stay until a consumer removes them.
  const departments = Object.fromEntries(DEPARTMENTS.map((d) => [d, new Queue(d, base)])) as Record<
    Department,
    Queue
  >;
  const flows = new FlowProducer(base);
  const probe = new Redis(connection);

  return {
    settings,
    pages,
    documents,
    departments,
    async enqueueDocument(job, pageCount) {
      await flows.add({
        name: 'decide-document',
        queueName: QUEUE_NAMES.documents,
        data: parseJob('decide-document', job),
        opts: { ...jobOptions, jobId: jobIds.document(job) },
        children: Array.from({ length: pageCount }, (_, i) => {
          const page = parseJob('read-page', { ...job, page: i + 1 });
          return {
            name: 'read-page',
            queueName: QUEUE_NAMES.pages,
            data: page,
            // A page that cannot be read fails the document at once instead of leaving it waiting.
            opts: { ...jobOptions, jobId: jobIds.page(page), failParentOnFailure: true },
          };
        }),
      });
    },
    async publishRecords(records) {
      for (const r of records) {
        await departments[r.department].add('record', r, { jobId: r.idempotencyKey });
      }
    },
    async ping() {
      await probe.ping();
    },
    async close() {
      await Promise.all([
        pages.close(),
        documents.close(),
        flows.close(),
        ...Object.values(departments).map((q) => q.close()),
      ]);
      probe.disconnect();
    },
  };
}
