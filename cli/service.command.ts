import { buildApp } from '../api/app.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../pipeline/api-keys.ts';
import { startInbox } from '../pipeline/inbox.ts';
import { createLogger, type Logger } from '../pipeline/log.ts';
import { migrate } from '../pipeline/migrate.ts';
import { openDatabase, openService, type Service } from '../pipeline/service.ts';
import { type RunningWorkers, startWorkers } from '../pipeline/service-workers.ts';
import { RoleSchema } from '../schemas/api.ts';
import { loadServiceConfig, type ServiceConfig } from '../schemas/env.ts';
import { formatTable } from './table.ts';

function workerOptions(config: Readonly<ServiceConfig>, log: Logger) {
  return {
    pageConcurrency: config.pageConcurrency,
    lineReader: config.lineReader,
    ocrLanguages: config.ocrLanguages,
    documentConcurrency: config.documentConcurrency,
    lockMs: config.lockMs,
    log,
  };
}

/**
 * Stops in order on SIGINT/SIGTERM: no new requests or jobs, jobs in hand finished (BullMQ's
 * close waits for them), then connections closed. A second signal exits at once.
 */
function onShutdown(steps: (() => Promise<void>)[], log: Logger): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'shutting down');
    void (async () => {
      for (const step of steps) await step().catch((e) => log.error({ err: e }, 'shutdown step failed'));
      log.info('stopped');
      log.flush();
      process.exit(0);
    })();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

export async function serveCommand(opts: { port?: string; workers?: boolean }): Promise<void> {
  const config = loadServiceConfig();
  const log = createLogger({ level: config.logLevel });
  const svc = await openService(config);
  const runWorkers = opts.workers === false ? false : config.runWorkers;
  let workers: RunningWorkers | null = null;
  if (runWorkers) workers = await startWorkers(svc, workerOptions(config, log));
  const inbox = config.inbox ? await startInbox(svc, { ...config.inbox, log }) : null;
  const app = await buildApp(svc, { logger: log });
  const port = opts.port === undefined ? config.port : Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be a port number, got "${opts.port}"`);
  const address = await app.listen({ port, host: config.host });
  log.info(
    {
      address,
      workers: runWorkers,
      inbox: config.inbox?.dir ?? null,
      database: svc.db.kind,
      storage: svc.store.kind,
      redis: config.redisUrl.replace(/\/\/[^@]*@/, '//***@'),
    },
    'serving',
  );
  // The inbox stops first, after the file in hand, while what it submits to is still open.
  onShutdown(
    [async () => inbox?.stop(), () => app.close(), async () => workers?.close(), () => svc.close()],
    log,
  );
}

export async function workerCommand(): Promise<void> {
  const config = loadServiceConfig();
  const log = createLogger({ level: config.logLevel });
  const svc = await openService(config);
  if (svc.db.kind === 'pglite') {
    log.warn('PGlite serves one process; separate workers need DATABASE_URL (PostgreSQL)');
  }
  const workers = await startWorkers(svc, workerOptions(config, log));
  log.info(
    {
      pageConcurrency: config.pageConcurrency,
      lineReader: config.lineReader,
      ocrLanguages: config.ocrLanguages,
      database: svc.db.kind,
      storage: svc.store.kind,
    },
    'worker started',
  );
  onShutdown([() => workers.close(), () => svc.close()], log);
}

async function withDatabase<T>(fn: (svc: Pick<Service, 'db'>) => Promise<T>): Promise<T> {
  const config = loadServiceConfig();
  const db = await openDatabase(config);
  try {
    await migrate(db);
    return await fn({ db });
  } finally {
    await db.close();
  }
}

export async function keysCreateCommand(opts: { role: string; name?: string }): Promise<void> {
  const role = RoleSchema.safeParse(opts.role);
  if (!role.success)
    throw new Error(`--role must be one of ${RoleSchema.options.join(', ')}; got "${opts.role}"`);
  const { key, info } = await withDatabase(({ db }) =>
    createApiKey(db, { role: role.data, name: opts.name }),
  );
  process.stdout.write(
    `Created ${info.role} key ${info.id} ("${info.name}"). It is shown only now; store it safely.\n${key}\n`,
  );
}

export async function keysListCommand(): Promise<void> {
  const keys = await withDatabase(({ db }) => listApiKeys(db));
  const rows = keys.map((k) => [k.id, k.name, k.role, k.createdAt, k.revokedAt ?? '']);
  process.stdout.write(`${formatTable(['id', 'name', 'role', 'created', 'revoked'], rows)}\n`);
}

export async function keysRevokeCommand(id: string): Promise<void> {
  const done = await withDatabase(({ db }) => revokeApiKey(db, id));
  if (!done) throw new Error(`No live key ${id}`);
  process.stdout.write(`Revoked ${id}\n`);
}
