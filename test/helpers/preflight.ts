import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';
import { createPostgres } from '../../pipeline/adapters/db.ts';
import { POSTGRES_URL, REDIS_URL } from './services.ts';
import { SROIE_DIR } from './sroie.ts';

/**
 * vitest's globalSetup: before any test runs, checks that what the selected test files need is
 * there (Chromium, Redis, PostgreSQL, the SROIE receipts) and otherwise stops the run with one
 * message saying what is missing and how to get it. Without it a fresh machine got dozens of
 * timeouts and connection errors, one per test, that named none of this.
 */

export type Prerequisite = 'chromium' | 'redis' | 'postgres' | 'sroie';

export interface PreflightTargets {
  chromiumPath: string;
  redisUrl: string;
  postgresUrl: string;
  sroieDir: string;
}

export const DEFAULT_TARGETS: PreflightTargets = {
  // The browser tests launch this path (review-page.test.ts); Debian's `chromium` package.
  chromiumPath: '/usr/bin/chromium',
  redisUrl: REDIS_URL,
  postgresUrl: POSTGRES_URL,
  sroieDir: SROIE_DIR,
};

/**
 * What a test file needs, read from its source: the helpers and paths that reach each part. A
 * new test that uses one of them is covered without a list to keep.
 */
export function prerequisitesOf(source: string): Set<Prerequisite> {
  const needs = new Set<Prerequisite>();
  // helpers/browser.ts launches /usr/bin/chromium for the tests that import it.
  if (source.includes('/usr/bin/chromium') || /helpers\/browser\.ts/.test(source)) needs.add('chromium');
  // services.ts is the real Redis and PostgreSQL; review-service.ts runs on Redis and PGlite.
  if (/helpers\/(services|review-service)\.ts/.test(source)) needs.add('redis');
  if (/helpers\/services\.ts/.test(source)) needs.add('postgres');
  if (/helpers\/sroie\.ts/.test(source)) needs.add('sroie');
  return needs;
}

const HOW_TO_GET: Record<Prerequisite, (t: PreflightTargets) => string> = {
  chromium: (t) =>
    `Chromium is not at ${t.chromiumPath} (the browser tests drive it): apt-get install chromium`,
  redis: (t) =>
    `Redis does not answer at ${t.redisUrl}: apt-get install redis-server and start it, ` +
    'or point TEST_REDIS_URL at one',
  postgres: (t) =>
    `PostgreSQL does not answer at ${t.postgresUrl} (user postgres, trust auth on loopback): ` +
    'apt-get install postgresql and start it, or point TEST_DATABASE_URL at one',
  sroie: (t) =>
    `The SROIE receipts are not at ${t.sroieDir} (metadata.jsonl, <id>.jpg, ocr-lines/<id>.csv): ` +
    'see "Running the tests" in README.md for where they come from; PAPERLINE_SROIE_DIR points at a copy',
};

async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

async function postgresAnswers(url: string): Promise<boolean> {
  const db = createPostgres(url, { max: 1, connectTimeoutMs: 2000 });
  try {
    await db.ping();
    return true;
  } catch {
    return false;
  } finally {
    await db.close().catch(() => {});
  }
}

/** The parts among `needs` that are not there, each with how to get it; empty when all are. */
export async function missingPrerequisites(
  needs: Iterable<Prerequisite>,
  targets: PreflightTargets = DEFAULT_TARGETS,
): Promise<string[]> {
  const wanted = new Set(needs);
  const checks: Record<Prerequisite, () => Promise<boolean>> = {
    chromium: async () => existsSync(targets.chromiumPath),
    redis: () => redisAnswers(targets.redisUrl),
    postgres: () => postgresAnswers(targets.postgresUrl),
    sroie: async () => existsSync(join(targets.sroieDir, 'metadata.jsonl')),
  };
  const order: Prerequisite[] = ['chromium', 'redis', 'postgres', 'sroie'];
  const present = await Promise.all(order.map((p) => (wanted.has(p) ? checks[p]() : true)));
  return order.filter((_, i) => !present[i]).map((p) => HOW_TO_GET[p](targets));
}

export function preflightMessage(missing: string[]): string {
  return [
    `The tests cannot run here: ${missing.length === 1 ? 'one part is' : `${missing.length} parts are`} missing.`,
    ...missing.map((m) => `  - ${m}`),
    'On a Debian machine, as root, `bash .ci/run` installs and starts all of them, then runs `npm test`.',
  ].join('\n');
}

/**
 * The test files this run selected: vitest's own matching of the command line's file filters,
 * all files when there are none (or none of the words matches a file, as a flag's value would not).
 */
async function selectedFiles(project: TestProject): Promise<string[]> {
  const words = process.argv
    .slice(2)
    .filter((a) => !a.startsWith('-') && !['run', 'watch', 'dev'].includes(a));
  if (words.length) {
    const { testFiles } = await project.globTestFiles(words);
    if (testFiles.length) return testFiles;
  }
  return (await project.globTestFiles()).testFiles;
}

export default async function setup(project: TestProject): Promise<void> {
  const needs = new Set<Prerequisite>();
  for (const file of await selectedFiles(project)) {
    for (const need of prerequisitesOf(readFileSync(file, 'utf8'))) needs.add(need);
  }
  const missing = await missingPrerequisites(needs);
  if (!missing.length) return;
  // Exiting rather than throwing: vitest would bury a thrown message under its own stack
  // trace and a misleading "No test files found".
  process.stderr.write(`\n${preflightMessage(missing)}\n\n`);
  process.exit(1);
}
