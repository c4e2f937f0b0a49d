import { realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createLocalDeps } from '../pipeline/deps.ts';
import { DEFAULT_INGEST_LIMITS } from '../pipeline/ingest.ts';
import { createDocumentWriter, prepareOutput } from '../pipeline/run-batch.ts';
import { createWatcher, DEFAULT_SETTLE_MS, type FileVerdict, type HandledFile } from '../pipeline/watch.ts';
import type { FileOutcome } from '../schemas/record.ts';
import { localDepsOptions } from './process.command.ts';

export interface WatchCommandOptions {
  out: string;
  /** Milliseconds a file must stay unchanged before it is read. */
  settle?: string;
  thresholds?: string;
  confidenceModel?: string;
}

/**
 * `paperline watch DIR`: every file dropped into DIR goes through the pipeline of `paperline
 * process`, its record or review file appended to --out, then moves to DIR/done or DIR/failed
 * with `<name>.result.json` beside it. Runs until Ctrl-C or SIGTERM, which stop after the file
 * in hand.
 */
export async function watchCommand(dir: string, opts: WatchCommandOptions): Promise<void> {
  const settleMs = opts.settle === undefined ? DEFAULT_SETTLE_MS : Number(opts.settle);
  if (!Number.isInteger(settleMs) || settleMs < 0) {
    throw new Error(`--settle must be a whole number of milliseconds, got "${opts.settle}"`);
  }
  const within = await realpath(dir).catch(() => {
    throw new Error(`cannot watch ${dir}: no such folder`);
  });
  const out = resolve(opts.out);
  // A watcher restarting appends to what it wrote before: nothing already posted is lost.
  await prepareOutput(out, { replace: false });
  const { deps, close } = await createLocalDeps(localDepsOptions(opts));
  const writer = createDocumentWriter(deps, { out, limits: DEFAULT_INGEST_LIMITS });
  const watcher = createWatcher({
    dir: within,
    settleMs,
    handle: async (file) => verdictOf(await writer.handle({ path: file.path, within }), out),
    onHandled: (h) => process.stdout.write(`${handledLine(h)}\n`),
    onError: (name, e) =>
      process.stderr.write(`paperline: ${name || within}: ${(e as Error).message}; will try again\n`),
  });
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write('Stopping after the current file (again to stop at once)\n');
    void watcher.stop();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdout.write(`Watching ${within} (results in ${out}); Ctrl-C stops after the current file\n`);
  try {
    await watcher.run();
  } finally {
    await close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  process.stdout.write('Stopped\n');
}

/**
 * One document's result; a file split into several documents gets `outcome: "split"` and one
 * result per document, and goes to done/ unless every part failed.
 */
function verdictOf(outcomes: FileOutcome[], out: string): FileVerdict {
  const [only] = outcomes;
  if (only && outcomes.length === 1) return verdictOfOne(only, out);
  const parts = outcomes.map((o) => verdictOfOne(o, out).result);
  return {
    folder: outcomes.every((o) => o.outcome === 'failed') ? 'failed' : 'done',
    outcome: `split into ${outcomes.length}`,
    result: { outcome: 'split', documents: parts, processedAt: new Date().toISOString() },
  };
}

function verdictOfOne(o: FileOutcome, out: string): FileVerdict {
  return {
    folder: o.outcome === 'failed' ? 'failed' : 'done',
    outcome: o.outcome,
    result: {
      outcome: o.outcome,
      documentId: o.id,
      docType: o.docType,
      department: o.department,
      pages: o.pages,
      // Absolute, so the result still leads to the record when read from another folder.
      output: o.output ? join(out, o.output) : null,
      ...(o.reasons ? { reasons: o.reasons } : {}),
      ...(o.failure ? { failure: o.failure } : {}),
      ...(o.duplicateOf ? { duplicateOf: o.duplicateOf } : {}),
      ...(o.split ? { split: o.split } : {}),
      processedAt: new Date().toISOString(),
    },
  };
}

/** `doc-001.pdf: posted to finance -> done/doc-001.pdf`, with the reasons of a review or failure. */
export function handledLine(h: HandledFile): string {
  const r = h.verdict.result as {
    department?: string | null;
    reasons?: { message: string }[];
    failure?: { code: string; message: string };
    duplicateOf?: string;
  };
  const what =
    h.outcome === 'posted' && r.department
      ? `posted to ${r.department}`
      : r.failure
        ? `${h.outcome} (${r.failure.code}: ${r.failure.message})`
        : r.reasons?.length
          ? `${h.outcome} (${r.reasons.map((x) => x.message).join(' ')})`
          : r.duplicateOf
            ? `${h.outcome} of ${r.duplicateOf}`
            : h.outcome;
  return `${h.name}: ${what} -> ${h.movedTo}`;
}
