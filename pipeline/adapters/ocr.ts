import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type Tesseract from 'tesseract.js';
import { OCR_LANGUAGE_CODES, type OcrLanguageCode } from '../../schemas/env.ts';
import type { Line, Word } from '../../schemas/read.ts';
import { PipelineError } from '../errors.ts';
import { createLineOcr, type ReaderLine } from './line-ocr.ts';

export type Rotation = 0 | 90 | 180 | 270;

export interface OcrResult {
  /** Lines as tesseract found them, each with its words; boxes in pixels of the image given. */
  lines: Line[];
  /** Mean word confidence, 0..1; 0 when no word was read. */
  confidence: number;
}

export interface OrientationResult {
  /** Clockwise degrees to turn the image so its text is upright. */
  rotation: Rotation;
  /** Tesseract's orientation confidence (roughly 0..20+; under ~1.5 it is a guess); 0 when OSD failed. */
  confidence: number;
}

export interface OcrPool {
  /**
   * Reads a page image. `languages` is Tesseract's model list, e.g. 'deu+eng' (default
   * 'eng'); any other than English must be among the pool's `languages`.
   */
  recognize(png: Buffer, languages?: string): Promise<OcrResult>;
  /**
   * Reads an image that holds one text line (a line cropped from a page) as one line
   * (Tesseract's --psm 7), whatever the pool's page segmentation mode. Absent on pools that
   * cannot: the caller then does without the second look (pipeline/read.ts).
   */
  recognizeLine?(png: Buffer, languages?: string): Promise<OcrResult>;
  /** Languages besides English this pool may read a page in (Tesseract codes); none when absent. */
  readonly languages?: readonly OcrLanguageCode[];
  /** The second recogniser's lines (adapters/line-ocr.ts), when the pool has one. */
  readLines?(png: Buffer): Promise<ReaderLine[]>;
  detectOrientation(png: Buffer): Promise<OrientationResult>;
  /** Terminates every worker; jobs still running reject. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Tesseract page segmentation modes worth choosing between for business documents.
 * '3' is fully automatic layout, '4' one column of variable-size text, '6' one uniform block,
 * '7' a single text line (for a line cropped from a page, as bench/second-look.ts reads names).
 */
export type PageSegMode = '3' | '4' | '6' | '7' | '11';

export interface OcrPoolOptions {
  /** Recognition workers (each a thread with its own ~100 MB of WASM heap). Default: one per core. */
  size?: number;
  /** Longest one page may take before its worker is killed and the job fails. Default 120 s. */
  timeoutMs?: number;
  /** Longest a worker may take to start (load WASM and language data). Default 60 s. */
  startTimeoutMs?: number;
  /**
   * Page segmentation mode. Default '6' (one block): on 30 SROIE receipts it read 71.4% of the
   * transcript's tokens against 70.8% for '4', 69.9% for '3' and 69.4% for '11', and clean
   * invoice pages read perfectly in all of them (docs/reading.md).
   */
  psm?: PageSegMode;
  /**
   * Offer the line recogniser (PaddleOCR) as `readLines`; pipeline/read.ts asks it on pages
   * Tesseract is unsure of and fuses its characters with Tesseract's words. Default true;
   * false reads with Tesseract alone.
   */
  lineReader?: boolean;
  /**
   * Languages pages may be read in, Tesseract codes; every page is read in English first,
   * and one in another of these is read again with '<lang>+eng' (pipeline/read.ts). A worker
   * for such a model starts only when a page needs it, one per pool slot at most. Default:
   * all of OCR_LANGUAGE_CODES; ['eng'] reads English only.
   */
  languages?: readonly OcrLanguageCode[];
}

export const DEFAULT_PSM: PageSegMode = '6';

export { OCR_LANGUAGE_CODES, type OcrLanguageCode };

/** Language data shipped in npm packages, so tesseract never reaches for its CDN. */
function languageDirs() {
  const require = createRequire(import.meta.url);
  const dir = (lang: string, variant: string) =>
    join(dirname(require.resolve(`@tesseract.js-data/${lang}/package.json`)), variant);
  return {
    eng: dir('eng', '4.0.0_best_int'),
    osd: dir('osd', '4.0.0'),
    /** The LSTM-only best_int model of each language, as the English one. */
    lstm: (lang: OcrLanguageCode) => dir(lang, '4.0.0_best_int'),
  };
}

/**
 * tesseract.js reads every language of a worker from one `langPath`, and each npm package has
 * its own folder: a model list such as 'deu+eng' needs a folder holding links to both.
 */
async function linkLanguages(codes: readonly OcrLanguageCode[], dirs: ReturnType<typeof languageDirs>) {
  const folder = await mkdtemp(join(tmpdir(), 'paperline-tessdata-'));
  await Promise.all(
    codes.map((c) => symlink(join(dirs.lstm(c), `${c}.traineddata.gz`), join(folder, `${c}.traineddata.gz`))),
  );
  return folder;
}

type TesseractModule = typeof Tesseract;
let tesseractPromise: Promise<TesseractModule> | null = null;
function loadTesseract(): Promise<TesseractModule> {
  tesseractPromise ??= import('tesseract.js').then((m) => (m.default ?? m) as TesseractModule);
  return tesseractPromise;
}

/** One recognition slot of the pool: its English worker and at most one other model list's. */
interface Slot {
  eng: Tesseract.Worker;
  extra: { langs: string; worker: Tesseract.Worker } | null;
}

class TimeoutError extends Error {}
class PoolClosedError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TimeoutError(`${what} took longer than ${Math.round(ms / 1000)} s`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A fixed number of workers started on demand and reused; jobs wait in FIFO order for a free
 * one. A worker whose job timed out or crashed is thrown away, and a fresh one takes its place.
 */
class WorkerPool<W> {
  #idle: W[] = [];
  #all = new Set<W>();
  #starting = 0;
  #waiters: { resolve: (w: W) => void; reject: (e: unknown) => void }[] = [];
  #closed = false;
  #closedSignal: Promise<never>;
  #signalClosed!: (e: unknown) => void;

  constructor(
    private readonly size: number,
    private readonly create: () => Promise<W>,
    private readonly destroy: (w: W) => Promise<void>,
  ) {
    this.#closedSignal = new Promise<never>((_, reject) => {
      this.#signalClosed = reject;
    });
    // Nobody may be racing against it when close() fires; that must not be an unhandled rejection.
    this.#closedSignal.catch(() => {});
  }

  /** `prefers`: an idle worker it picks is taken before the others. */
  async run<T>(
    job: (w: W) => Promise<T>,
    timeoutMs: number,
    what: string,
    prefers?: (w: W) => boolean,
  ): Promise<T> {
    const worker = await this.#acquire(prefers);
    try {
      const result = await Promise.race([withTimeout(job(worker), timeoutMs, what), this.#closedSignal]);
      this.#release(worker);
      return result;
    } catch (e) {
      if (this.#closed) throw new PoolClosedError('The OCR pool was closed while a page was being read.');
      // A timed-out worker is still grinding and a failed one may be wedged: neither is reused.
      this.#discard(worker);
      throw e;
    }
  }

  async #acquire(prefers?: (w: W) => boolean): Promise<W> {
    if (this.#closed) throw new PoolClosedError('The OCR pool is closed.');
    const i = prefers ? this.#idle.findLastIndex(prefers) : -1;
    const idle = i >= 0 ? this.#idle.splice(i, 1)[0] : this.#idle.pop();
    if (idle !== undefined) return idle;
    if (this.#all.size + this.#starting < this.size) return this.#spawn();
    return new Promise<W>((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  async #spawn(): Promise<W> {
    this.#starting++;
    try {
      const w = await this.create();
      if (this.#closed) {
        await this.destroy(w).catch(() => {});
        throw new PoolClosedError('The OCR pool is closed.');
      }
      this.#all.add(w);
      return w;
    } finally {
      this.#starting--;
    }
  }

  #release(w: W): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve(w);
    else this.#idle.push(w);
  }

  #discard(w: W): void {
    this.#all.delete(w);
    this.destroy(w).catch(() => {});
    const waiter = this.#waiters.shift();
    if (waiter) this.#spawn().then(waiter.resolve, waiter.reject);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const error = new PoolClosedError('The OCR pool was closed.');
    this.#signalClosed(error);
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    const all = [...this.#all];
    this.#all.clear();
    this.#idle = [];
    await Promise.all(all.map((w) => this.destroy(w).catch(() => {})));
  }
}

function toPipelineError(e: unknown, what: string): PipelineError {
  if (e instanceof PipelineError) return e;
  if (e instanceof TimeoutError) {
    // The machine may simply be overloaded; a retry on a fresh worker is worth one more go.
    return new PipelineError('internal-error', `OCR gave up: ${e.message}.`, { cause: e, retryable: true });
  }
  if (e instanceof PoolClosedError) {
    return new PipelineError('internal-error', e.message, { cause: e, retryable: true });
  }
  const message = e instanceof Error ? e.message : String(e);
  return new PipelineError('internal-error', `OCR failed while ${what}: ${message}`, {
    cause: e,
    retryable: true,
  });
}

function box(b: Tesseract.Bbox) {
  return { x0: b.x0, y0: b.y0, x1: b.x1, y1: b.y1 };
}

function clamp01(n: number): number {
  return Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0;
}

/** Tesseract's block → paragraph → line → word tree, flattened to the contract's lines. */
export function linesFromBlocks(blocks: Tesseract.Block[] | null): OcrResult {
  const lines: Line[] = [];
  let sum = 0;
  let count = 0;
  for (const block of blocks ?? []) {
    for (const para of block.paragraphs ?? []) {
      for (const line of para.lines ?? []) {
        const words: Word[] = [];
        for (const w of line.words ?? []) {
          const text = w.text.trim();
          if (!text) continue;
          const confidence = clamp01(w.confidence / 100);
          words.push({ text, box: box(w.bbox), confidence });
          sum += confidence;
          count++;
        }
        if (words.length === 0) continue;
        lines.push({
          text: words.map((w) => w.text).join(' '),
          box: box(line.bbox),
          confidence: words.reduce((s, w) => s + w.confidence, 0) / words.length,
          words,
        });
      }
    }
  }
  return { lines, confidence: count ? sum / count : 0 };
}

/**
 * Tesseract's `orientation_degrees` is already the clockwise turn that makes the page upright
 * (measured: a page turned 90° clockwise reports 270).
 */
export function rotationFromOsd(orientationDegrees: number | null): Rotation {
  return orientationDegrees === 90 || orientationDegrees === 180 || orientationDegrees === 270
    ? orientationDegrees
    : 0;
}

export function createOcrPool(options: OcrPoolOptions = {}): OcrPool {
  const size = Math.max(1, options.size ?? availableParallelism());
  const timeoutMs = options.timeoutMs ?? 120_000;
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const psm = options.psm ?? DEFAULT_PSM;
  const dirs = languageDirs();

  const baseOptions = {
    cacheMethod: 'none',
    gzip: true,
    // Without a handler a failed job also throws inside the message listener and takes the
    // process down; the job's own promise rejects, which is where we handle it.
    errorHandler: () => {},
    logger: () => {},
  };

  const others: OcrLanguageCode[] = [
    ...new Set<OcrLanguageCode>(options.languages ?? OCR_LANGUAGE_CODES),
  ].filter((l) => l !== 'eng');
  let linked: Promise<string> | null = null;

  const startWorker = async (langs: string, langPath: string) => {
    const T = await loadTesseract();
    const worker = await withTimeout(
      T.createWorker(langs, T.OEM.LSTM_ONLY, { ...baseOptions, langPath }),
      startTimeoutMs,
      'Starting an OCR worker',
    );
    try {
      await worker.setParameters({
        tessedit_pageseg_mode: psm as Tesseract.PSM,
        // Pages reach OCR at about 300 dpi; without this tesseract guesses from the image header.
        user_defined_dpi: '300',
        // Keeps spaces inside lines as single spaces, as the contract's line text wants.
        preserve_interword_spaces: '0',
        // Tesseract's notes ("Detected 12 diacritics") would otherwise go to our stdout.
        debug_file: '/dev/null',
      });
    } catch (e) {
      await worker.terminate().catch(() => {});
      throw e;
    }
    return worker;
  };

  // Each slot keeps its English worker and, once a page needed one, one worker for another
  // model list: pages of one document share a language, so the last one used is the likely next.
  const recognizers = new WorkerPool<Slot>(
    size,
    async () => ({ eng: await startWorker('eng', dirs.eng), extra: null }),
    async (slot) => {
      await Promise.all([slot.eng.terminate(), slot.extra?.worker.terminate()]);
    },
  );

  const workerFor = async (slot: Slot, langs: string): Promise<Tesseract.Worker> => {
    if (langs === 'eng') return slot.eng;
    if (slot.extra?.langs === langs) return slot.extra.worker;
    const codes = langs.split('+');
    const unknown = codes.filter((c) => c !== 'eng' && !others.includes(c as OcrLanguageCode));
    if (unknown.length > 0) {
      throw new PipelineError(
        'internal-error',
        `The OCR pool has no language data for ${unknown.join(', ')}.`,
      );
    }
    const old = slot.extra;
    slot.extra = null;
    await old?.worker.terminate().catch(() => {});
    linked ??= linkLanguages(['eng', ...others], dirs);
    const worker = await startWorker(langs, await linked);
    slot.extra = { langs, worker };
    return worker;
  };

  // Orientation detection needs the legacy engine; one worker is plenty, it takes ~0.1-0.5 s a page.
  const detectors = new WorkerPool<Tesseract.Worker>(
    1,
    async () => {
      const T = await loadTesseract();
      const worker = await withTimeout(
        T.createWorker('osd', T.OEM.TESSERACT_ONLY, {
          ...baseOptions,
          langPath: dirs.osd,
          legacyCore: true,
          legacyLang: true,
        }),
        startTimeoutMs,
        'Starting the orientation worker',
      );
      await worker.setParameters({ user_defined_dpi: '300', debug_file: '/dev/null' });
      return worker;
    },
    (w) => w.terminate().then(() => {}),
  );

  const lines = options.lineReader === false ? null : createLineOcr({ timeoutMs });
  /**
   * Reads an image with a recogniser of the languages asked for; `mode`, when given, is the
   * page segmentation mode for this image alone. The slot is this job's until it returns, so
   * the pool's mode is set back before any other image is read with it.
   */
  const readImage = async (
    png: Buffer,
    languages: string,
    mode: PageSegMode | null,
    what: 'page' | 'line',
  ) => {
    try {
      const { data } = await recognizers.run(
        async (slot) => {
          const worker = await workerFor(slot, languages);
          const read = () => worker.recognize(png, {}, { blocks: true, text: false });
          if (mode === null) return read();
          await worker.setParameters({ tessedit_pageseg_mode: mode as Tesseract.PSM });
          try {
            return await read();
          } finally {
            await worker.setParameters({ tessedit_pageseg_mode: psm as Tesseract.PSM });
          }
        },
        timeoutMs,
        `Reading one ${what}`,
        (slot) => (slot.extra?.langs ?? 'eng') === languages,
      );
      return linesFromBlocks(data.blocks);
    } catch (e) {
      throw toPipelineError(e, `reading a ${what}`);
    }
  };
  return {
    languages: others,
    recognize: (png, languages = 'eng') => readImage(png, languages, null, 'page'),
    recognizeLine: (png, languages = 'eng') => readImage(png, languages, '7', 'line'),
    async detectOrientation(png) {
      try {
        const { data } = await detectors.run((w) => w.detect(png), timeoutMs, 'Detecting orientation');
        if (data.orientation_degrees === null || data.orientation_confidence === null) {
          return { rotation: 0, confidence: 0 };
        }
        return {
          rotation: rotationFromOsd(data.orientation_degrees),
          confidence: data.orientation_confidence,
        };
      } catch (e) {
        if (e instanceof PoolClosedError || e instanceof TimeoutError)
          throw toPipelineError(e, 'detecting orientation');
        // Tesseract rejects pages with too little text for OSD; "upright, no idea how sure" is the honest answer.
        return { rotation: 0, confidence: 0 };
      }
    },
    ...(lines ? { readLines: (png: Buffer) => lines.readLines(png) } : {}),
    async close() {
      await Promise.all([recognizers.close(), detectors.close(), lines?.close()]);
      const folder = linked;
      linked = null;
      if (folder) await rm(await folder, { recursive: true, force: true }).catch(() => {});
    },
  };
}
