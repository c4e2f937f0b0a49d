import { join } from 'node:path';
import type { ServiceConfig } from '../schemas/env.ts';
import { createPglite, createPostgres, type Database } from './adapters/db.ts';
import { createQueues, type Queues } from './adapters/queues.ts';
import { createFolderStore, createS3Store, folderStorePath, type ObjectStore } from './adapters/storage.ts';
import { createDecideDeps } from './deps.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { migrate } from './migrate.ts';
import type { PipelineDeps } from './process-document.ts';
import { applyVendorMemory } from './vendor-memory.ts';

/** What the API and the workers share: one of each client, built from the parsed config. */
export interface Service {
  config: Readonly<ServiceConfig>;
  db: Database;
  store: ObjectStore;
  queues: Queues;
  metrics: Metrics;
  close(): Promise<void>;
}

export function openDatabase(config: Pick<ServiceConfig, 'databaseUrl' | 'dataDir'>): Promise<Database> {
  return config.databaseUrl
    ? Promise.resolve(createPostgres(config.databaseUrl))
    : createPglite(join(config.dataDir, 'db'));
}

/** Connects to the database (migrating it), the object store and Redis. */
export async function openService(config: Readonly<ServiceConfig>): Promise<Service> {
  const db = await openDatabase(config);
  try {
    await migrate(db);
    const store = config.s3
      ? await createS3Store(config.s3)
      : await createFolderStore(folderStorePath(config.dataDir));
    const queues = createQueues({
      redisUrl: config.redisUrl,
      prefix: config.redisPrefix,
      attempts: config.jobAttempts,
    });
    return {
      config,
      db,
      store,
      queues,
      metrics: createMetrics(),
      async close() {
        await queues.close();
        await db.close();
      },
    };
  } catch (e) {
    await db.close();
    throw e;
  }
}

/**
 * Classify-to-route as the service runs it: the configured thresholds and LLM, and the vendor
 * memory reviewers taught. The workers decide with it and the review API re-extracts with it.
 */
export function serviceDecideDeps(svc: Pick<Service, 'config' | 'db'>): Promise<Omit<PipelineDeps, 'read'>> {
  return createDecideDeps({
    thresholdsPath: svc.config.thresholdsPath,
    llm: svc.config.llm,
    vendorMemory: (docType, read, fields) => applyVendorMemory(svc.db, docType, read, fields),
  });
}
