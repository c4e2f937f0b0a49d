import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TARGETS,
  missingPrerequisites,
  preflightMessage,
  prerequisitesOf,
} from './helpers/preflight.ts';

const root = join(import.meta.dirname, '..');
const source = (file: string) => readFileSync(join(root, 'test', file), 'utf8');
const run = promisify(execFile);

describe('test preflight', () => {
  it('reads what each test file needs from its source', () => {
    expect([...prerequisitesOf(source('review-page.test.ts'))]).toContain('chromium');
    expect(prerequisitesOf(source('service.test.ts'))).toEqual(new Set(['redis', 'postgres']));
    expect(prerequisitesOf(source('review-api.test.ts'))).toEqual(new Set(['redis']));
    expect(prerequisitesOf(source('extract-receipt.test.ts'))).toEqual(new Set(['sroie']));
    expect(prerequisitesOf(source('parse.test.ts')).size).toBe(0);
  });

  it('finds everything on this machine', async () => {
    expect(await missingPrerequisites(['chromium', 'redis', 'postgres', 'sroie'])).toEqual([]);
  });

  it('names each missing part and how to get it, in one message', async () => {
    const missing = await missingPrerequisites(['chromium', 'redis', 'postgres', 'sroie'], {
      chromiumPath: '/nonexistent/chromium',
      redisUrl: 'redis://127.0.0.1:1',
      postgresUrl: 'postgres://postgres@127.0.0.1:1/postgres',
      sroieDir: '/nonexistent/sroie-dev/',
    });
    expect(missing).toHaveLength(4);
    expect(missing[0]).toMatch(/Chromium is not at \/nonexistent\/chromium.*apt-get install chromium/);
    expect(missing[1]).toMatch(/Redis does not answer at redis:\/\/127\.0\.0\.1:1.*redis-server/);
    expect(missing[2]).toMatch(/PostgreSQL does not answer.*apt-get install postgresql/);
    expect(missing[3]).toMatch(/SROIE receipts are not at \/nonexistent\/sroie-dev\/.*README/);
    const message = preflightMessage(missing);
    expect(message).toMatch(/^The tests cannot run here: 4 parts are missing\./);
    expect(message).toContain('bash .ci/run');
    // Only what was asked for is checked.
    expect(
      await missingPrerequisites(['sroie'], { ...DEFAULT_TARGETS, redisUrl: 'redis://127.0.0.1:1' }),
    ).toEqual([]);
  });

  it('stops a vitest run at once when a selected test needs a part that is missing', async () => {
    const started = Date.now();
    const result = await run('npx', ['vitest', 'run', 'test/service-parts.test.ts'], {
      cwd: root,
      env: { ...process.env, TEST_REDIS_URL: 'redis://127.0.0.1:1' },
    }).then(
      () => ({ code: 0, out: '' }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
    );
    expect(result.code).toBe(1);
    expect(result.out).toContain('The tests cannot run here: one part is missing.');
    expect(result.out).toContain('Redis does not answer at redis://127.0.0.1:1');
    expect(result.out).not.toMatch(/Test Files .*passed|ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
