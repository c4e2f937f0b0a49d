import { appendFile, lstat, mkdir, readdir, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { DEPARTMENTS } from '../schemas/common.ts';
import type { FailedEntry, FileOutcome, ReviewItem, RunSummary } from '../schemas/record.ts';
import { type IngestFailure, type IngestLimits, ingestFile } from './ingest.ts';
import { type DocumentOutcome, type PipelineDeps, processDocuments } from './process-document.ts';

export type BatchEvent =
  | { type: 'discovered'; files: number }
  | { type: 'page'; file: string; page: number }
  | {
      type: 'document';
      file: string;
      outcome: DocumentOutcome['kind'] | 'duplicate';
      pages: number;
      /** The full result, for callers that score or display it (absent for duplicates). */
      result?: DocumentOutcome;
      /** Seconds spent on this document. */
      seconds: number;
    };

export interface BatchOptions {
  /** Output folder; its previous results are replaced. */
  out: string;
  /** Documents in flight at once. Default: 2. OCR parallelism is the OCR pool's, not this. */
  concurrency?: number;
  limits: IngestLimits;
  onEvent?: (e: BatchEvent) => void;
}

/** The evaluation format's ground-truth file sits beside the documents and is not one of them. */
const NOT_DOCUMENTS = new Set(['metadata.jsonl']);

export interface CollectedFile {
  path: string;
  /** Real path of the input folder it was found in (links must stay inside); null for a named file. */
  within: string | null;
  /** Set for a folder inside the input that could not be listed: it is reported, not read. */
  unlisted?: IngestFailure;
}

/**
 * Expands folders (recursively, in name order) and keeps files; hidden entries are skipped.
 * Inside a folder nothing is followed: symbolic links are kept as entries for ingest to judge
 * (followed only to files inside the folder), and linked folders are not entered, so a link
 * cannot loop or lead the batch out of the folder it was given.
 */
export async function collectFiles(inputs: string[]): Promise<CollectedFile[]> {
  const files: CollectedFile[] = [];
  const visitFolder = async (dir: string, within: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      // The input folder itself must be listable; one locked subfolder must not sink the batch.
      if (dir === within) throw e;
      const why =
        (e as { code?: string }).code === 'EACCES'
          ? 'permission denied'
          : String((e as { code?: string }).code);
      files.push({
        path: dir,
        within,
        unlisted: {
          code: 'unreadable',
          message: `The folder could not be opened (${why}); the files in it were not read.`,
        },
      });
      return;
    }
    for (const name of names.filter((n) => !n.startsWith('.')).sort()) {
      const path = join(dir, name);
      // An entry gone since the listing is left to ingest, which reports it as missing.
      const info = await lstat(path).catch(() => null);
      if (info?.isDirectory()) await visitFolder(path, within);
      else if (!NOT_DOCUMENTS.has(name)) files.push({ path, within });
    }
  };
  for (const input of inputs) {
    const path = resolve(input);
    if ((await stat(path)).isDirectory()) await visitFolder(path, await realpath(path));
    else if (!NOT_DOCUMENTS.has(basename(path))) files.push({ path, within: null });
  }
  return files;
}

/**
 * `review/<name>-<id>.json`: the source file's name (without its extension, accents dropped,
 * reduced to letters, digits, '.', '_' and '-') so a clerk finds the file, the id so two files
 * of one name differ.
 */
export function reviewFileName(item: Pick<ReviewItem, 'id' | 'sourceFile'>): string {
  const stem = basename(item.sourceFile, extname(item.sourceFile))
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\w.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 80)
    .replace(/[-.]+$/, '');
  return `${stem || 'document'}-${item.id}.json`;
}

/** What a run has counted so far; runBatch completes it into the summary.json it writes. */
type Tally = Omit<RunSummary, 'files' | 'seconds' | 'pagesPerMinute' | 'finishedAt'>;

export interface DocumentWriter {
  /**
   * Reads, decides and writes one file into the output folder; resolves once it is written, with
   * one entry per document the file held (several when it was split).
   */
  handle(file: CollectedFile): Promise<FileOutcome[]>;
  readonly tally: Tally;
}

/**
 * The per-file half of a batch: ingest, process, and append to `posted/`, `review/` and
 * `failed.jsonl`. runBatch drives it over a list; `paperline watch` over files as they arrive,
 * so both write the same output. Bytes already seen by this writer come back as duplicates.
 */
export function createDocumentWriter(
  deps: PipelineDeps,
  options: Pick<BatchOptions, 'out' | 'limits' | 'onEvent'>,
): DocumentWriter {
  const out = resolve(options.out);
  const emit = options.onEvent ?? (() => {});
  const summary: Tally = {
    documents: 0,
    pages: 0,
    pagesBySource: { 'text-layer': 0, ocr: 0 },
    posted: { finance: 0, hr: 0, claims: 0 },
    review: 0,
    failed: 0,
    duplicates: [],
    startedAt: new Date().toISOString(),
    ...(deps.assistant
      ? {
          llm: {
            model: deps.assistant.model,
            documents: 0,
            requests: 0,
            inputTokens: 0,
            outputTokens: 0,
            cost: 0,
            costPerDocument: 0,
            perDocument: [],
          },
        }
      : {}),
  };
  const seen = new Map<string, string>();
  // Appends are serialised so concurrent documents never interleave half-written lines.
  let writes: Promise<void> = Promise.resolve();
  const write = (fn: () => Promise<void>) => {
    writes = writes.then(fn);
    return writes;
  };
  const fail = (entry: FailedEntry) => {
    summary.failed += 1;
    return write(() => appendFile(join(out, 'failed.jsonl'), `${JSON.stringify(entry)}\n`));
  };

  const handle = async ({ path, within, unlisted }: CollectedFile): Promise<FileOutcome[]> => {
    const fileName = basename(path);
    summary.documents += 1;
    const entry = (e: Omit<FileOutcome, 'sourceFile' | 'path'>): FileOutcome => ({
      sourceFile: fileName,
      path,
      ...e,
    });
    const t0 = performance.now();
    const seconds = () => (performance.now() - t0) / 1000;
    const ingested = unlisted
      ? { ok: false as const, failure: unlisted }
      : await ingestFile(path, options.limits, { within });
    if (!ingested.ok) {
      const failed = { sourceFile: fileName, sha256: null, ...ingested.failure };
      await fail(failed);
      const result = { kind: 'failed' as const, entry: failed };
      emit({ type: 'document', file: fileName, outcome: 'failed', pages: 0, result, seconds: seconds() });
      return [
        entry({
          outcome: 'failed',
          id: null,
          docType: null,
          department: null,
          pages: 0,
          output: 'failed.jsonl',
          failure: { code: failed.code, message: failed.message },
        }),
      ];
    }
    const file = ingested.file;
    const first = seen.get(file.sha256);
    if (first !== undefined) {
      summary.duplicates.push({ sourceFile: fileName, sha256: file.sha256, duplicateOf: first });
      emit({ type: 'document', file: fileName, outcome: 'duplicate', pages: 0, seconds: seconds() });
      return [
        entry({
          outcome: 'duplicate',
          id: file.sha256.slice(0, 16),
          docType: null,
          department: null,
          pages: 0,
          output: null,
          duplicateOf: first,
        }),
      ];
    }
    seen.set(file.sha256, fileName);

    let outcomes: DocumentOutcome[];
    try {
      outcomes = await processDocuments(file, deps, {
        onPage: (p) => emit({ type: 'page', file: fileName, page: p.number }),
      });
    } catch (e) {
      // A bug must not sink the batch: the file is kept where it was and the reason recorded.
      outcomes = [
        {
          kind: 'failed',
          entry: {
            sourceFile: fileName,
            sha256: file.sha256,
            code: 'internal-error',
            message: `Processing stopped on an internal error: ${(e as Error).message}`,
          },
        },
      ];
    }
    // A file split into several documents counts each of them; the file itself was counted once.
    summary.documents += outcomes.length - 1;
    const fileEntries: FileOutcome[] = [];
    for (const outcome of outcomes) {
      let pages = 0;
      let outcomeEntry: Omit<FileOutcome, 'sourceFile' | 'path'>;
      if (outcome.kind === 'failed') {
        await fail(outcome.entry);
        outcomeEntry = {
          outcome: 'failed',
          id: file.sha256.slice(0, 16),
          docType: null,
          department: null,
          pages: 0,
          output: 'failed.jsonl',
          failure: { code: outcome.entry.code, message: outcome.entry.message },
        };
      } else {
        const doc = outcome.kind === 'posted' ? outcome.record : outcome.item;
        pages = doc.pages.length;
        if (summary.llm && doc.llm) {
          const { model: _, classified: __, ...used } = doc.llm;
          summary.llm.documents += 1;
          summary.llm.requests += used.requests;
          summary.llm.inputTokens += used.inputTokens;
          summary.llm.outputTokens += used.outputTokens;
          summary.llm.cost += used.cost;
          summary.llm.perDocument.push({ sourceFile: fileName, ...used });
        }
        summary.pages += pages;
        for (const p of doc.pages) summary.pagesBySource[p.source] += 1;
        const split = doc.split ? { split: doc.split } : {};
        if (outcome.kind === 'posted') {
          const posted = outcome.record;
          summary.posted[posted.department] += 1;
          const output = `posted/${posted.department}.jsonl`;
          await write(() => appendFile(join(out, output), `${JSON.stringify(posted)}\n`));
          outcomeEntry = {
            outcome: 'posted',
            id: posted.id,
            docType: posted.docType,
            department: posted.department,
            pages,
            output,
            ...split,
          };
        } else {
          const item = outcome.item;
          summary.review += 1;
          const output = `review/${reviewFileName(item)}`;
          await write(() => writeFile(join(out, output), `${JSON.stringify(item, null, 2)}\n`));
          outcomeEntry = {
            outcome: 'review',
            id: item.id,
            docType: item.docType,
            department: item.department,
            pages,
            output,
            reasons: item.reasons,
            ...split,
          };
        }
      }
      fileEntries.push(entry(outcomeEntry));
      emit({
        type: 'document',
        file: fileName,
        outcome: outcome.kind,
        pages,
        result: outcome,
        seconds: seconds(),
      });
    }
    return fileEntries;
  };
  return { handle, tally: summary };
}

/** Runs every file through the pipeline and writes the output folder described in the README. */
export async function runBatch(
  inputs: string[],
  deps: PipelineDeps,
  options: BatchOptions,
): Promise<RunSummary> {
  const startedAt = new Date();
  const out = resolve(options.out);
  const files = await collectFiles(inputs);
  options.onEvent?.({ type: 'discovered', files: files.length });

  await prepareOutput(out, { replace: true });
  const writer = createDocumentWriter(deps, options);
  const entries = new Map<string, FileOutcome[]>();
  const queue = [...files];
  const workers = Array.from(
    { length: Math.max(1, Math.min(options.concurrency ?? 2, files.length)) },
    async () => {
      for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
        entries.set(file.path, await writer.handle(file));
      }
    },
  );
  await Promise.all(workers);
  const summary: RunSummary = {
    ...writer.tally,
    startedAt: startedAt.toISOString(),
    files: files.flatMap((f) => entries.get(f.path) ?? []),
    seconds: 0,
    pagesPerMinute: 0,
    finishedAt: '',
  };

  const finishedAt = new Date();
  summary.finishedAt = finishedAt.toISOString();
  summary.seconds = (finishedAt.getTime() - startedAt.getTime()) / 1000;
  summary.pagesPerMinute = summary.seconds > 0 ? (summary.pages / summary.seconds) * 60 : 0;
  if (summary.llm) {
    const decided = summary.posted.finance + summary.posted.hr + summary.posted.claims + summary.review;
    summary.llm.cost = Math.round(summary.llm.cost * 1e9) / 1e9;
    summary.llm.costPerDocument = decided > 0 ? Math.round((summary.llm.cost / decided) * 1e9) / 1e9 : 0;
    summary.llm.perDocument.sort((a, b) => a.sourceFile.localeCompare(b.sourceFile));
  }
  await writeFile(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

/**
 * Makes the output folder's layout. `replace` drops a previous run's results (a batch is one
 * run); without it they are kept and appended to, as a watcher restarting must.
 */
export async function prepareOutput(out: string, opts: { replace: boolean }): Promise<void> {
  await mkdir(out, { recursive: true });
  if (opts.replace) {
    await Promise.all(
      ['posted', 'review', 'pages', 'failed.jsonl', 'summary.json'].map((p) =>
        rm(join(out, p), { recursive: true, force: true }),
      ),
    );
  }
  await mkdir(join(out, 'posted'), { recursive: true });
  await mkdir(join(out, 'review'), { recursive: true });
  // Every department file exists even when empty, so an ERP import never trips on a missing file.
  await Promise.all(DEPARTMENTS.map((d) => appendFile(join(out, 'posted', `${d}.jsonl`), '')));
  await appendFile(join(out, 'failed.jsonl'), '');
}
