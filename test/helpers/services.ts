import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import S3rver from 's3rver';
import { createPostgres } from '../../pipeline/adapters/db.ts';
import { loadServiceConfig, type ServiceConfig } from '../../schemas/env.ts';

/**
 * The real services the integration tests run against: Redis and PostgreSQL as the machine
 * runs them (.ci/run starts them when they are not), and s3rver, an S3 server started here.
 * Each test gets its own Redis prefix, database and bucket, removed afterwards.
 */

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** A port nothing listens on now, for a child process to bind. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

export async function tempDir(prefix = 'paperline-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A fresh database on the PostgreSQL server; `drop()` removes it. */
export async function freshPostgres(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = uniqueName('pl_test');
  const admin = createPostgres(POSTGRES_URL, { max: 1 });
  await admin.exec(`CREATE DATABASE ${name}`);
  await admin.close();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const a = createPostgres(POSTGRES_URL, { max: 1 });
      await a.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.close();
    },
  };
}

/** s3rver on a free loopback port, storing under a temp folder. */
export async function startS3(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const directory = await tempDir('paperline-s3-');
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const address = (await server.run()) as { port: number };
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Deletes every Redis key under a prefix (a test's queues). */
export async function dropRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export interface TestEnv {
  env: Record<string, string>;
  config: Readonly<ServiceConfig>;
  cleanup: () => Promise<void>;
}

/**
 * Environment for one test: its own Redis prefix and data folder, plus PostgreSQL and S3 when
 * asked (otherwise the embedded defaults: PGlite and a folder).
 */
export async function testEnv(
  opts: { postgres?: boolean; s3?: boolean; extra?: Record<string, string> } = {},
) {
  const dataDir = await tempDir();
  const prefix = uniqueName('pltest');
  const cleanups: (() => Promise<void>)[] = [
    () => dropRedisPrefix(prefix),
    () => rm(dataDir, { recursive: true, force: true }),
  ];
  const env: Record<string, string> = {
    REDIS_URL,
    REDIS_PREFIX: prefix,
    PAPERLINE_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ...opts.extra,
  };
  if (opts.postgres) {
    const pg = await freshPostgres();
    env.DATABASE_URL = pg.url;
    cleanups.unshift(pg.drop);
  }
  if (opts.s3) {
    const s3 = await startS3();
    Object.assign(env, {
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: uniqueName('bucket').replace('_', '-'),
      S3_ACCESS_KEY: 'S3RVER',
      S3_SECRET_KEY: 'S3RVER',
    });
    cleanups.push(s3.stop);
  }
  const result: TestEnv = {
    env,
    config: loadServiceConfig(env),
    async cleanup() {
      for (const c of cleanups) await c().catch(() => {});
    },
  };
  return result;
}

const BIN = new URL('../../bin/paperline.js', import.meta.url).pathname;

/** Runs `paperline <args>` to completion with this environment; rejects on a non-zero exit. */
export async function runCli(args: string[], env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`paperline ${args.join(' ')} exited ${code}: ${err}`);
  return out;
}

/** Starts a long-running `paperline <args>` (serve, worker); resolves once it logs `ready`. */
export async function startCli(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: 'pipe',
  });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`paperline ${args[0]} did not start: ${log}`)), 60_000);
    const check = () => {
      if (ready.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`paperline ${args[0]} exited ${code} before it was ready: ${log}`));
    });
  });
  return { child, output: () => log };
}

/** A multipart body with one `files` part per file, as a clerk's upload tool sends it. */
export async function uploadForm(paths: string[]): Promise<FormData> {
  const form = new FormData();
  for (const p of paths) {
    const bytes = await readFile(p);
    form.append('files', new Blob([bytes]), p.split('/').pop()!);
  }
  return form;
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs: number,
  everyMs = 500,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
