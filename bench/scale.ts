import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
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
  /** CPU-seconds each worker process used in the timed batch. */
  workerCpuSeconds: number[];
  /** CPU-seconds the API process used in the timed batch (uploads, page counts, status polls). */
  serveCpuSeconds: number;
  /** Worker CPU-seconds per document: what a document costs, whatever else the machine runs. */
  cpuSecondsPerDocument: number;
  /**
   * CPU-seconds of the busiest threads of each worker process in the timed batch, by thread
   * name: whether a worker set to one page at a time really keeps to one core.
   */
  threads: { name: string; cpuSeconds: number }[][];
  /** Machine-wide CPU-seconds used by everything, ours and other processes'. */
  machineCpuSeconds: number;
  /** Cores the worker and API processes kept busy on average: their CPU-seconds over the wall time. */
  oursCores: number;
  /** Cores everything else on the machine kept busy meanwhile (another job, the database, Redis). */
  othersCores: number;
}

const TICKS = 100;

/** utime + stime of a process or thread from its stat line, in seconds. */
function statCpu(path: string): number {
  try {
    const fields = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}

function threadCpu(pid: number): Map<string, { name: string; cpu: number }> {
  const out = new Map<string, { name: string; cpu: number }>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const dir = `/proc/${pid}/task/${tid}`;
      out.set(tid, { name: readFileSync(`${dir}/comm`, 'utf8').trim(), cpu: statCpu(`${dir}/stat`) });
    }
  } catch {
    // Not Linux, or the process is gone: no per-thread figures.
  }
  return out;
}

/** Busy CPU-seconds of the whole machine (every core, every process) from /proc/stat. */
function machineCpu(): number {
  try {
    const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    const n = v.map(Number);
    // user nice system idle iowait irq softirq steal: all but idle and iowait are work.
    return (n[0]! + n[1]! + n[2]! + n[5]! + n[6]! + n[7]!) / TICKS;
  } catch {
    return 0;
  }
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
    const serve = children[0]!.pid!;
    const pids = children.slice(1).map((c) => c.pid!);
    const cpu0 = pids.map((p) => statCpu(`/proc/${p}/stat`));
    const serve0 = statCpu(`/proc/${serve}/stat`);
    const threads0 = pids.map(threadCpu);
    const machine0 = machineCpu();
    const t0 = performance.now();
    const status = await batch(files);
    const seconds = (performance.now() - t0) / 1000;
    const workerCpuSeconds = pids.map((p, i) => statCpu(`/proc/${p}/stat`) - cpu0[i]!);
    const threads = pids.map((p, i) =>
      [...threadCpu(p)]
        .map(([tid, t]) => ({
          name: t.name,
          cpuSeconds: Math.round((t.cpu - (threads0[i]!.get(tid)?.cpu ?? 0)) * 10) / 10,
        }))
        .sort((a, b) => b.cpuSeconds - a.cpuSeconds)
        .slice(0, 6),
    );
    const serveCpuSeconds = statCpu(`/proc/${serve}/stat`) - serve0;
    const ours = workerCpuSeconds.reduce((a, b) => a + b, 0) + serveCpuSeconds;
    const machineCpuSeconds = machineCpu() - machine0;
    return {
      workers,
      documents: files.length,
      seconds,
      documentsPerMinute: (files.length * 60) / seconds,
      counts: status.counts,
      workerCpuSeconds,
      serveCpuSeconds,
      cpuSecondsPerDocument: workerCpuSeconds.reduce((a, b) => a + b, 0) / files.length,
      threads,
      machineCpuSeconds,
      oursCores: ours / seconds,
      othersCores: Math.max(0, machineCpuSeconds - ours) / seconds,
    };
  } finally {
    for (const c of children.reverse()) await stop(c);
    await t?.cleanup();
  }
}
