import type { ChildProcess } from 'node:child_process';
import {
  freePort,
  runCli,
  startCli,
  type TestEnv,
  testEnv,
  uploadForm,
  waitFor,
} from '../test/helpers/services.ts';

/**
 * Scale-out: the same batch of scans read by 1, then 2, `paperline worker` processes on one
 * Redis, each with one page at a time (PAPERLINE_PAGE_CONCURRENCY=1), so a second process is a
 * second core at work. The API runs with no workers of its own; each run has a fresh Redis
 * prefix, PostgreSQL database and file folder (the test helpers' environment), dropped after.
 * Imported on demand: the helpers need the dev dependencies.
 */

export interface ScaleRun {
  workers: number;
  documents: number;
  seconds: number;
  documentsPerMinute: number;
  counts: Record<string, number>;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

interface BatchStatus {
  status: string;
  counts: Record<string, number>;
}

/**
 * One run: `workers` worker processes, then `warmup` (one file per worker, not timed, so model
 * loading is not counted), then `files` uploaded in one batch and timed until the batch is done.
 */
export async function scaleRun(workers: number, warmup: string[], files: string[]): Promise<ScaleRun> {
  let t: TestEnv | null = null;
  const children: ChildProcess[] = [];
  try {
    t = await testEnv({ postgres: true, extra: { PAPERLINE_PAGE_CONCURRENCY: '1' } });
    const env = t.env;
    const key = (await runCli(['keys', 'create', '--role', 'uploader', '--name', 'bench'], env))
      .trim()
      .split('\n')
      .at(-1)!;
    const port = await freePort();
    children.push(
      (await startCli(['serve', '--no-workers', '--port', String(port)], env, /"msg":"serving"/)).child,
    );
    for (let i = 0; i < workers; i++) {
      children.push((await startCli(['worker'], env, /"msg":"worker started"/)).child);
    }
    const base = `http://127.0.0.1:${port}`;
    const headers = { authorization: `Bearer ${key}` };
    const batch = async (paths: string[]): Promise<BatchStatus> => {
      const res = await fetch(`${base}/v1/batches`, {
        method: 'POST',
        headers,
        body: await uploadForm(paths),
      });
      if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
      const { batchId } = (await res.json()) as { batchId: string };
      return waitFor(
        `batch ${batchId}`,
        async () => {
          const s = (await (await fetch(`${base}/v1/batches/${batchId}`, { headers })).json()) as BatchStatus;
          return s.status === 'done' ? s : null;
        },
        3_600_000,
        250,
      );
    };
    if (warmup.length > 0) await batch(warmup);
    const t0 = performance.now();
    const status = await batch(files);
    const seconds = (performance.now() - t0) / 1000;
    return {
      workers,
      documents: files.length,
      seconds,
      documentsPerMinute: (files.length * 60) / seconds,
      counts: status.counts,
    };
  } finally {
    for (const c of children.reverse()) await stop(c);
    await t?.cleanup();
  }
}
