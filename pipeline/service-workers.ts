import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { reviewSlaHoursOf } from '../schemas/env.ts';
import type { JobOf } from '../schemas/jobs.ts';
import { createOcrPool, type OcrLanguageCode, type OcrPool } from './adapters/ocr.ts';
import { parseJob, QUEUE_NAMES, redisOptions } from './adapters/queues.ts';
import { storageKeys } from './adapters/storage.ts';
import { createWebhookSender, webhookBackoffMs } from './adapters/webhook.ts';
import { isPipelineError, PipelineError } from './errors.ts';
import { type IngestedFile, sniffFormat } from './ingest.ts';
import { type Logger, silentLogger } from './log.ts';
import { decideDocuments } from './process-document.ts';
import { readAttachments, readOnePage } from './read.ts';
import {
  type DocumentRow,
  deliverWebhooks,
  documentsInProcessing,
  getDocument,
  getPages,
  markFailed,
  recordOutcome,
  recordParts,
  relayOutbox,
  savePage,
} from './repository.ts';
import { type Service, serviceDecideDeps } from './service.ts';

export interface WorkerOptions {
  /** Pages read at once in this process; also the OCR pool's size. */
  pageConcurrency: number;
  /** Fuse the line recogniser's reading with Tesseract's. Default true. */
  lineReader?: boolean;
  /** Tesseract models a page may be re-read with (PAPERLINE_OCR_LANGUAGES). Default all six. */
  ocrLanguages?: readonly OcrLanguageCode[];
  documentConcurrency: number;
  /** A job not heart-beaten for this long is taken over by another worker (a dead process). */
  lockMs: number;
  /**
   * How often the outbox relay and the webhook pass look for unsent records (and webhook retries
   * that have come due) when nothing prompts them. Default 1 s.
   */
  relayIntervalMs?: number;
  /** Hours a review task may wait before it is overdue. Default: the PAPERLINE_REVIEW_SLA_HOURS* config. */
  reviewSlaHours?: (department: string | null) => number;
  /** Where the workers log (pipeline/log.ts masks personal data). Default: nowhere. */
  log?: Logger;
}

export interface RunningWorkers {
  /** Stops taking jobs, lets jobs in hand finish, then stops OCR and the relay. */
  close(): Promise<void>;
  /** Publishes outbox rows (queues and webhooks) now instead of at the next tick. */
  kickRelay(): void;
}

/** Runs `fn` one call at a time; calls asked for while it runs become one more run after it. */
function oneAtATime(fn: () => Promise<void>): { run(): void; idle(): Promise<void> } {
  let running: Promise<void> | null = null;
  let again = false;
  const run = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = fn().finally(() => {
      running = null;
      if (again) {
        again = false;
        run();
      }
    });
  };
  return {
    run,
    async idle() {
      while (running) await running;
    },
  };
}

/** Originals of multi-page documents are fetched once, not once per page. */
class RecentFiles {
  private readonly files = new Map<string, Promise<IngestedFile>>();
  constructor(private readonly size: number) {}
  get(key: string, load: () => Promise<IngestedFile>): Promise<IngestedFile> {
    let hit = this.files.get(key);
    if (hit) {
      this.files.delete(key);
    } else {
      hit = load();
      hit.catch(() => this.files.delete(key));
    }
    this.files.set(key, hit);
    while (this.files.size > this.size) this.files.delete(this.files.keys().next().value!);
    return hit;
  }
}

/**
 * Runs the service's queue workers in this process: page reading (OCR) on the `pages` queue,
 * deciding on the `documents` queue, and the outbox relay that publishes posted records.
 */
export async function startWorkers(svc: Service, opts: WorkerOptions): Promise<RunningWorkers> {
  const { db, store, queues, metrics, config } = svc;
  const log = opts.log ?? silentLogger;
  const decideDeps = await serviceDecideDeps(svc);
  let ocr: OcrPool | null = null;
  // Started on the first scanned page, so a worker that only sees text-layer PDFs never pays for it.
  const ocrPool = () => {
    ocr ??= createOcrPool({
      size: opts.pageConcurrency,
      lineReader: opts.lineReader ?? true,
      ...(opts.ocrLanguages ? { languages: opts.ocrLanguages } : {}),
    });
    return ocr;
  };
  const recent = new RecentFiles(8);
  const connection = redisOptions(queues.settings.redisUrl);
  const common = {
    connection,
    prefix: queues.settings.prefix,
    lockDuration: opts.lockMs,
    stalledInterval: Math.min(30_000, opts.lockMs),
    // A job whose worker died is retried; one that kills workers twice is failed for good.
    maxStalledCount: 2,
  };

  const loadFile = (doc: DocumentRow) =>
    recent.get(`${doc.sha256}`, async () => {
      const bytes = await store.get(doc.storageKey);
      if (!bytes) {
        throw new PipelineError('unreadable', 'The original file is missing from storage.');
      }
      const format = sniffFormat(bytes);
      if (!format)
        throw new PipelineError('unsupported-type', 'The stored original is not a supported format.');
      return {
        path: doc.fileName,
        fileName: doc.fileName,
        bytes: new Uint8Array(bytes),
        sha256: doc.sha256,
        format,
        sizeBytes: bytes.length,
      };
    });

  /** Bad input fails the document for good; anything else is rethrown so BullMQ retries it. */
  const failOnBadInput = async (documentId: string, revision: number, e: unknown): Promise<never> => {
    if (isPipelineError(e) && !e.retryable) {
      if (await markFailed(db, { documentId, revision, code: e.code, message: e.message })) {
        metrics.documents.inc({ outcome: 'failed' });
      }
      throw new UnrecoverableError(`${e.code}: ${e.message}`);
    }
    throw e;
  };

  /**
   * The job's payload and its document, or null when the document was reprocessed or decided
   * since the job was queued (the newer revision owns the work). A payload that does not
   * parse is a bug upstream, not a transient fault: it fails at once.
   */
  const jobContext = async <N extends 'read-page' | 'decide-document'>(name: N, job: Job) => {
    let data: JobOf<N>;
    try {
      data = parseJob(name, job.data);
    } catch (e) {
      throw new UnrecoverableError(`unparseable ${name} payload: ${(e as Error).message}`);
    }
    const doc = await getDocument(db, data.documentId);
    if (!doc || doc.revision !== data.revision || doc.status !== 'processing') return null;
    return { data, doc };
  };

  const pageWorker = new Worker(
    QUEUE_NAMES.pages,
    async (job: Job) => {
      const ctx = await jobContext('read-page', job);
      if (!ctx) return { skipped: true };
      const { data, doc } = ctx;
      const end = metrics.stageSeconds.startTimer({ stage: 'read-page' });
      try {
        const file = await loadFile(doc);
        const { page, image } = await readOnePage(
          file,
          data.page,
          { ocr: ocrPool() },
          {
            maxFileBytes: config.limits.maxFileBytes,
            maxPages: config.limits.maxPages,
            maxPixels: config.limits.maxPixels,
          },
        );
        // A text-layer page is drawn when a reviewer first asks for it (pipeline/page-images.ts).
        const imageKey = image
          ? storageKeys.pageImage(doc.id, data.page)
          : storageKeys.renderedPage(doc.id, data.page, page.dpi);
        if (image) await store.put(imageKey, image, 'image/png');
        await savePage(db, doc.id, { number: data.page, revision: data.revision, read: page, imageKey });
        return { source: page.source };
      } catch (e) {
        return failOnBadInput(data.documentId, data.revision, e);
      } finally {
        end();
      }
    },
    { ...common, concurrency: opts.pageConcurrency },
  );

  const documentWorker = new Worker(
    QUEUE_NAMES.documents,
    async (job: Job) => {
      const ctx = await jobContext('decide-document', job);
      if (!ctx) return { skipped: true };
      const { data, doc } = ctx;
      const pages = (await getPages(db, doc.id)).filter((p) => p.revision === data.revision);
      if (pages.length !== doc.pageCount) {
        // Should not happen once every child job is done; a retry sees the late write.
        throw new Error(`only ${pages.length} of ${doc.pageCount} pages are stored`);
      }
      const end = metrics.stageSeconds.startTimer({ stage: 'decide' });
      try {
        // The page jobs read pages only; an embedded e-invoice is read here, once per document.
        const attachments = await readAttachments(await loadFile(doc), config.limits);
        const outcomes = await decideDocuments(
          doc,
          { pages: pages.map((p) => p.read), ...(attachments.length ? { attachments } : {}) },
          decideDeps,
        );
        const reviewSlaHours = opts.reviewSlaHours ?? reviewSlaHoursOf(config);
        const [only] = outcomes;
        const whole = outcomes.length === 1 && only;
        const stored = whole
          ? await recordOutcome(db, {
              documentId: doc.id,
              revision: data.revision,
              outcome: whole,
              reviewSlaHours,
            })
          : await recordParts(db, {
              documentId: doc.id,
              revision: data.revision,
              outcomes,
              reviewSlaHours,
              actor: 'system',
            });
        for (const outcome of stored ? outcomes : []) {
          const decided = outcome.kind === 'posted' ? outcome.record : outcome.item;
          metrics.documents.inc({ outcome: outcome.kind });
          log.info({ documentId: decided.id, outcome: outcome.kind }, 'document decided');
          // What was read, for whoever debugs an extraction; personal fields are masked by the logger.
          log.debug(
            {
              documentId: decided.id,
              docType: decided.docType,
              department: decided.department,
              fields: decided.fields,
              ...(outcome.kind === 'review' ? { reasons: outcome.item.reasons } : {}),
            },
            'document fields',
          );
        }
        if (outcomes.some((o) => o.kind === 'posted')) kickRelay();
        return { outcomes: outcomes.map((o) => o.kind) };
      } catch (e) {
        return failOnBadInput(data.documentId, data.revision, e);
      } finally {
        end();
      }
    },
    { ...common, concurrency: opts.documentConcurrency },
  );

  // A job out of retries (or stalled too often) leaves its document failed, never stuck.
  for (const worker of [pageWorker, documentWorker]) {
    worker.on('failed', (job, err) => {
      if (!job) return;
      void (async () => {
        if (!(await job.isFailed())) return;
        const data = job.data as { documentId?: string; revision?: number };
        if (typeof data.documentId !== 'string' || typeof data.revision !== 'number') return;
        const failed = await markFailed(db, {
          documentId: data.documentId,
          revision: data.revision,
          code: 'internal-error',
          message: `Processing failed after ${job.attemptsMade} attempts: ${err.message}`,
        });
        if (failed) metrics.documents.inc({ outcome: 'failed' });
      })().catch((e) => log.error({ err: e }, 'could not mark a failed document'));
    });
    worker.on('error', (e) => log.error({ err: e }, 'worker error'));
  }

  // The relay and the webhook pass: each one run at a time, on a timer and whenever a record was
  // just posted. Apart, so a slow ERP endpoint never holds up the department queues.
  let stopped = false;
  const relay = oneAtATime(async () => {
    if (stopped) return;
    const n = await relayOutbox(db, (records) => queues.publishRecords(records)).catch((e) => {
      log.warn({ err: e }, 'outbox relay failed; will retry');
      return 0;
    });
    if (n) log.info({ count: n }, 'records published');
  });
  const hooks = config.webhooks;
  const send = hooks ? createWebhookSender({ secret: hooks.secret, timeoutMs: hooks.timeoutMs }) : null;
  const webhooks = oneAtATime(async () => {
    if (stopped || !hooks || !send) return;
    await deliverWebhooks(db, {
      urls: hooks.urls,
      send,
      backoffMs: (attempts) => webhookBackoffMs(attempts, hooks.retryMs, hooks.retryMaxMs),
      // Past the request's own timeout, so only a process that died mid-request loses its claim.
      leaseMs: hooks.timeoutMs + 30_000,
      keepGoing: () => !stopped,
      onAttempt: (a) =>
        a.ok
          ? log.info(
              {
                recordId: a.recordId,
                idempotencyKey: a.idempotencyKey,
                department: a.department,
                attempts: a.attempts,
              },
              'webhook delivered',
            )
          : log.warn(
              {
                recordId: a.recordId,
                idempotencyKey: a.idempotencyKey,
                department: a.department,
                attempts: a.attempts,
                error: a.error,
                retryAt: a.retryAt,
              },
              'webhook delivery failed; will retry',
            ),
    }).catch((e) => log.warn({ err: e }, 'webhook delivery pass failed; will retry'));
  });
  const kickRelay = () => {
    relay.run();
    webhooks.run();
  };
  const timer = setInterval(kickRelay, opts.relayIntervalMs ?? 1000);
  timer.unref();

  // Documents accepted just before a crash may have no jobs; their ids make re-adding harmless.
  for (const d of await documentsInProcessing(db)) {
    await queues.enqueueDocument({ documentId: d.id, revision: d.revision }, d.pageCount);
  }
  kickRelay();

  return {
    kickRelay,
    async close() {
      stopped = true;
      clearInterval(timer);
      await Promise.all([pageWorker.close(), documentWorker.close()]);
      await Promise.all([relay.idle(), webhooks.idle()]);
      // One last relay so records decided by the jobs that just finished go out now.
      await relayOutbox(db, (records) => queues.publishRecords(records)).catch(() => {});
      if (ocr) await (ocr as OcrPool).close();
    },
  };
}
