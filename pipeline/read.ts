import sharp, { type OutputInfo } from 'sharp';
import { detectLanguage, type Language, TESSERACT_CODE } from '../extractors/parse/language.ts';
import type { Line, PageRead, ReadResult, Word, XmlAttachment } from '../schemas/read.ts';
import {
  imagePageCount,
  loadImagePage,
  type PreprocessedPage,
  type PreprocessOptions,
  preprocess,
  turnHalf,
} from './adapters/image.ts';
import type { ReaderLine } from './adapters/line-ocr.ts';
import type { OcrPool, OcrResult } from './adapters/ocr.ts';
import { hasUsableTextLayer, type OpenPdfOptions, openPdf, type PdfDocument } from './adapters/pdf.ts';
import { isPipelineError, PipelineError } from './errors.ts';
import { DEFAULT_INGEST_LIMITS, type IngestedFile, type IngestLimits } from './ingest.ts';
import { mergeIntoRows, unionBox } from './layout.ts';
import { FUSED_STEP, fuseReads } from './ocr-fusion.ts';
import { pixelsOverLimit, plural } from './wording.ts';

export interface ReadDeps {
  ocr: OcrPool;
}

export interface ReadOptions {
  /** Page and pixel limits; missing keys take DEFAULT_INGEST_LIMITS. */
  limits?: Partial<IngestLimits>;
  /** Called once per page, in page order, as soon as that page and all before it are read. */
  onPage?: (page: PageRead) => void;
  /**
   * Pages read at the same time. OCR itself is bounded by the pool; this bounds page images
   * held in memory and lets PDF rendering overlap OCR. Default 2.
   */
  concurrency?: number;
  /**
   * Also draw the image of each text-layer page while the PDF is open. Default false: only a
   * reviewer ever looks at it, and drawing a page at 300 dpi costs far more than reading its
   * text layer, so it is drawn when asked for (renderPdfPageImage).
   */
  renderTextLayerPages?: boolean;
  /**
   * Told how long each stage of reading a scanned page took, for the bench's profile
   * (`paperline bench`). Default: none, and nothing is timed.
   */
  onStage?: StageTimer;
  /**
   * Stages of reading a scanned page to leave out, for the bench's ablation (what each costs
   * against what it reads right, docs/reading.md). Default none: production reads with all.
   */
  without?: OptionalStage[];
}

/** The stages of ocrImage that can be left out: the page is read without them, worse. */
export const OPTIONAL_STAGES = ['reread-weak', 'read-missed', 'line-reader', 'second-look'] as const;
export type OptionalStage = (typeof OPTIONAL_STAGES)[number];
/** What reading one scanned page takes of ReadOptions. */
type PageReadOptions = Pick<ReadOptions, 'onStage' | 'without'>;

/** Stages of reading one scanned page, in the order they run (see ocrImage). */
export type OcrStage =
  | 'decode'
  | 'preprocess'
  | 'recognize'
  | 'upside-down'
  | 'language'
  | 'reread-weak'
  | 'read-missed'
  | 'line-reader'
  | 'fusion'
  | 'second-look';

export type StageTimer = (stage: OcrStage, ms: number, page: number) => void;

/** Runs `fn`, telling `onStage` how long it took; without a listener it costs nothing more. */
async function timed<T>(
  onStage: StageTimer | undefined,
  stage: OcrStage,
  page: number,
  fn: () => Promise<T>,
): Promise<T> {
  if (!onStage) return fn();
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    onStage(stage, performance.now() - t0, page);
  }
}

export type ReadDocumentResult = ReadResult & {
  /**
   * One entry per page: the PNG the boxes of `pages[i]` are in pixels of, or null for a
   * text-layer page not drawn while reading; renderPdfPageImage(file, i + 1, pages[i].dpi)
   * draws it, the same size as its boxes' space.
   */
  pageImages: (Buffer | null)[];
};

/** A page read from its PDF text layer: no preprocessing, no OCR confidence. */
export function textLayerPage(
  number: number,
  layer: { lines: Line[]; width: number; height: number },
  dpi: number,
): PageRead {
  return {
    number,
    source: 'text-layer',
    width: layer.width,
    height: layer.height,
    dpi,
    lines: layer.lines,
    preprocess: null,
    ocrConfidence: null,
  };
}

/** PDF pages are rendered at this resolution, for OCR and for the reviewer's page image alike. */
export const PDF_RENDER_DPI = 300;
const POINTS_PER_INCH = 72;

interface PageOutcome {
  page: PageRead;
  image: Buffer | null;
}

/**
 * Reads every page of a document: the text layer where a PDF page has a usable one, OCR on a
 * cleaned-up page image otherwise. Throws PipelineError (never anything else) when the file
 * cannot be read; `code` says why.
 */
export async function readDocument(
  file: IngestedFile,
  deps: ReadDeps,
  opts: ReadOptions = {},
): Promise<ReadDocumentResult> {
  const limits: IngestLimits = { ...DEFAULT_INGEST_LIMITS, ...opts.limits };
  return guarded(file, () => {
    if (file.format === 'xml') return Promise.resolve(readXmlFile(file));
    return file.format === 'pdf' ? readPdf(file, deps, opts, limits) : readImage(file, deps, opts, limits);
  });
}

/** A bare e-invoice XML: no pages to read, the XML is the whole document. */
function readXmlFile(file: IngestedFile): ReadDocumentResult {
  return { pages: [], pageImages: [], attachments: [{ name: file.fileName, xml: xmlText(file.bytes) }] };
}

function xmlText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');
}

/**
 * The XML a document carries besides its pages (a PDF's embedded e-invoice, or the uploaded XML
 * itself), for the service, which reads pages one job at a time and decides without the file.
 */
export async function readAttachments(
  file: IngestedFile,
  limits: Partial<IngestLimits> = {},
): Promise<XmlAttachment[]> {
  if (file.format === 'xml') return [{ name: file.fileName, xml: xmlText(file.bytes) }];
  if (file.format !== 'pdf') return [];
  const all: IngestLimits = { ...DEFAULT_INGEST_LIMITS, ...limits };
  return guarded(file, async () => {
    return withPdf(file.bytes, { maxImagePixels: all.maxPixels }, (pdf) => pdf.xmlAttachments());
  });
}

/** Opens a PDF, hands it to `fn` and closes it however `fn` ends: pdfjs holds memory until then. */
async function withPdf<T>(
  bytes: Uint8Array,
  options: OpenPdfOptions,
  fn: (pdf: PdfDocument) => Promise<T>,
): Promise<T> {
  const pdf = await openPdf(bytes, options);
  try {
    return await fn(pdf);
  } finally {
    await pdf.close();
  }
}

/** Lets PipelineErrors through and turns anything else into an internal-error one. */
async function guarded<T>(file: Pick<IngestedFile, 'fileName'>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isPipelineError(e)) throw e;
    throw new PipelineError(
      'internal-error',
      `Reading "${file.fileName}" failed unexpectedly: ${errorText(e)}`,
      {
        cause: e,
      },
    );
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function checkPageCount(count: number, limits: IngestLimits): void {
  if (count > limits.maxPages) {
    throw new PipelineError(
      'too-many-pages',
      `The document has ${plural(count, 'page')}, more than the limit of ${plural(limits.maxPages, 'page')} per document.`,
    );
  }
  if (count < 1)
    throw new PipelineError('corrupt', 'The document has no pages: there is nothing in it to read.');
}

async function readPdf(
  file: IngestedFile,
  deps: ReadDeps,
  opts: ReadOptions,
  limits: IngestLimits,
): Promise<ReadDocumentResult> {
  return withPdf(file.bytes, { maxImagePixels: limits.maxPixels, maxPages: limits.maxPages }, async (pdf) => {
    checkPageCount(pdf.numPages, limits);
    await checkPdfPageSizes(pdf, limits);
    const attachments = await pdf.xmlAttachments();
    const render = opts.renderTextLayerPages ?? false;
    const read = await readPages(pdf.numPages, opts, (n) => readPdfPage(pdf, n, deps, limits, render, opts));
    return attachments.length > 0 ? { ...read, attachments } : read;
  });
}

/**
 * Counts a document's pages and checks them against the limits, without reading any: the
 * service fans one job out per page from this. Throws PipelineError like readDocument.
 */
export async function countPages(file: IngestedFile, limits: Partial<IngestLimits> = {}): Promise<number> {
  const all: IngestLimits = { ...DEFAULT_INGEST_LIMITS, ...limits };
  // A bare e-invoice XML has no pages: the service decides it with no page jobs.
  if (file.format === 'xml') return 0;
  return guarded(file, async () => {
    let count: number;
    if (file.format === 'pdf') {
      count = await withPdf(
        file.bytes,
        { maxImagePixels: all.maxPixels, maxPages: all.maxPages },
        async (pdf) => {
          checkPageCount(pdf.numPages, all);
          await checkPdfPageSizes(pdf, all);
          return pdf.numPages;
        },
      );
    } else {
      count = await imagePageCount(file.bytes, all);
    }
    checkPageCount(count, all);
    return count;
  });
}

/**
 * Reads one page (1-based) on its own, the way readDocument reads each of them. `image` is
 * null for a text-layer page: renderPdfPageImage draws it when someone asks.
 */
export async function readOnePage(
  file: IngestedFile,
  pageNumber: number,
  deps: ReadDeps,
  limits: Partial<IngestLimits> = {},
): Promise<PageOutcome> {
  const all: IngestLimits = { ...DEFAULT_INGEST_LIMITS, ...limits };
  return guarded(file, async () => {
    if (file.format === 'pdf') {
      return withPdf(file.bytes, { maxImagePixels: all.maxPixels }, (pdf) =>
        readPdfPage(pdf, pageNumber, deps, all, false),
      );
    }
    const loaded = await loadImagePage(file.bytes, pageNumber - 1, all);
    return ocrPage(pageNumber, loaded.png, loaded.dpi, deps, all);
  });
}

/**
 * Below this a page is not worth reading: OCR needs about 150 dpi and a reviewer a legible
 * picture. A page too large to render at it within the pixel limit is refused, not shrunk.
 */
const MIN_RENDER_DPI = 100;

/** 300 dpi unless the page is so large (a poster, a plan) that it would pass the pixel limit. */
async function renderDpi(pdf: PdfDocument, pageNumber: number, limits: IngestLimits): Promise<number> {
  const { width, height } = await pdf.pageSize(pageNumber, POINTS_PER_INCH);
  const area = Math.max(1, width * height);
  const fitting = POINTS_PER_INCH * Math.sqrt(limits.maxPixels / area);
  if (fitting < MIN_RENDER_DPI) {
    const inches = (pt: number) => `${Math.round((pt / POINTS_PER_INCH) * 10) / 10}`;
    const pixels = (pt: number) => Math.round((pt / POINTS_PER_INCH) * MIN_RENDER_DPI);
    throw new PipelineError(
      'too-many-pixels',
      `Page ${pageNumber} is ${inches(width)} x ${inches(height)} inches: even at ${MIN_RENDER_DPI} dpi it would be ${pixelsOverLimit(pixels(width), pixels(height), limits.maxPixels)}.`,
    );
  }
  return Math.max(1, Math.min(PDF_RENDER_DPI, Math.floor(fitting)));
}

/** Every page's size against the pixel limit, before any page is drawn or read. */
async function checkPdfPageSizes(pdf: PdfDocument, limits: IngestLimits): Promise<void> {
  for (let n = 1; n <= pdf.numPages; n++) await renderDpi(pdf, n, limits);
}

async function readPdfPage(
  pdf: PdfDocument,
  pageNumber: number,
  deps: ReadDeps,
  limits: IngestLimits,
  renderTextLayer: boolean,
  opts: PageReadOptions = {},
): Promise<PageOutcome> {
  const dpi = await renderDpi(pdf, pageNumber, limits);
  const layer = await pdf.readTextLayer(pageNumber, dpi);
  if (hasUsableTextLayer(layer.lines)) {
    return {
      page: textLayerPage(pageNumber, layer, dpi),
      image: renderTextLayer ? await pdf.renderPage(pageNumber, dpi) : null,
    };
  }
  const image = await timed(opts.onStage, 'decode', pageNumber, () => pdf.renderPage(pageNumber, dpi));
  return ocrPage(pageNumber, image, dpi, deps, limits, opts);
}

/**
 * Draws a text-layer page of a PDF as the PNG its boxes refer to: at the dpi the page was
 * read at (`PageRead.dpi`), the boxes' pixel space, so it is the picture reading would have
 * drawn. Throws PipelineError like readDocument.
 */
export async function renderPdfPageImage(
  bytes: Uint8Array,
  pageNumber: number,
  dpi: number,
  limits: Partial<IngestLimits> = {},
): Promise<Buffer> {
  const all: IngestLimits = { ...DEFAULT_INGEST_LIMITS, ...limits };
  return guarded({ fileName: `page ${pageNumber}` }, async () => {
    return withPdf(bytes, { maxImagePixels: all.maxPixels }, async (pdf) => {
      // The dpi comes from a stored reading; one past the limit would mean the limit was lowered since.
      if (dpi > (await renderDpi(pdf, pageNumber, all))) {
        throw new PipelineError(
          'too-many-pixels',
          `Page ${pageNumber} at ${dpi} dpi is over the ${Math.round(all.maxPixels / 1e6)} MP limit.`,
        );
      }
      return pdf.renderPage(pageNumber, dpi);
    });
  });
}

async function readImage(
  file: IngestedFile,
  deps: ReadDeps,
  opts: ReadOptions,
  limits: IngestLimits,
): Promise<ReadDocumentResult> {
  const count = await imagePageCount(file.bytes, limits);
  checkPageCount(count, limits);
  return readPages(count, opts, async (n) => {
    const loaded = await timed(opts.onStage, 'decode', n, () => loadImagePage(file.bytes, n - 1, limits));
    return ocrPage(n, loaded.png, loaded.dpi, deps, limits, opts);
  });
}

/**
 * Below this mean word confidence a page that was taken as upright is also read upside down:
 * OSD cannot tell 0° from 180° on small print, but tesseract's own confidence can.
 */
const UPSIDE_DOWN_CHECK_BELOW = 0.6;

export interface OcrImageOptions {
  /** Pixel limit for the preprocessed page. Default 24 megapixels. */
  maxOutputPixels?: number;
  /** Skip tesseract OSD (the character-axis check and legibility trials still run). */
  noOsd?: boolean;
  skip?: PreprocessOptions['skip'];
  forceScale?: number;
  targetCharHeight?: number;
  /**
   * The page's language when the caller knows it. Default: detected from the English reading
   * (extractors/parse/language.ts). Either way a page not in English is read again with
   * '<lang>+eng' when the pool has that language, and the surer reading is kept.
   */
  language?: Language;
  /** Told how long each stage took (see ReadOptions.onStage), with `page` as the page number. */
  onStage?: StageTimer;
  page?: number;
  /** Stages to leave out (ReadOptions.without). */
  without?: OptionalStage[];
}

/** The step a page's `steps` record with the model list its words were read with. */
export const LANGUAGE_STEP = 'ocr-language:';
/** A detected language below this confidence is not worth a second reading of the page. */
const LANGUAGE_CONFIDENCE = 0.3;

/** The model list to read the page again with, or null when English is all it needs. */
function otherLanguage(result: OcrResult, ocr: OcrPool, known: Language | undefined): string | null {
  let language = known;
  if (!language) {
    const guess = detectLanguage(result.lines.map((l) => l.text).join('\n'));
    if (guess.language && guess.confidence >= LANGUAGE_CONFIDENCE) language = guess.language;
  }
  if (!language || language === 'en') return null;
  const code = TESSERACT_CODE[language];
  return ocr.languages?.includes(code as never) ? `${code}+eng` : null;
}

/** A word's letters without accents, lower case: what a reader that knows no accents makes of it. */
const bare = (t: string) => t.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/ß/g, 'ss');

/**
 * The line reader's models have no accented letters: where its fused word is a Tesseract word
 * on the same spot without its accents ("Munchen" for "München"), Tesseract's spelling stands.
 */
function keepAccents(fused: Line[], words: Line[]): Line[] {
  const accented = words.flatMap((l) => l.words).filter((w) => bare(w.text) !== w.text.toLowerCase());
  if (accented.length === 0) return fused;
  return fused.map((line) => {
    let changed = false;
    const ws = line.words.map((w) => {
      const key = bare(w.text);
      const t = accented.find((a) => overlapShare(w.box, a.box) > 0.5 && bare(a.text) === key);
      if (!t || t.text === w.text) return w;
      changed = true;
      return { ...w, text: t.text };
    });
    return changed ? { ...line, text: ws.map((w) => w.text).join(' '), words: ws } : line;
  });
}

/** Preprocesses one page image and reads it, turning it upright on the way. */
export async function ocrImage(
  image: Buffer,
  dpi: number | null,
  ocr: OcrPool,
  options: OcrImageOptions = {},
): Promise<{
  pre: PreprocessedPage;
  result: OcrResult;
  /** Tesseract's model list the page was read with: 'eng', or e.g. 'deu+eng'. */
  languages: string;
}> {
  const stage = <T>(name: OcrStage, fn: () => Promise<T>) =>
    timed(options.onStage, name, options.page ?? 1, fn);
  let pre = await stage('preprocess', () =>
    preprocess(image, {
      dpi,
      ...(options.noOsd ? {} : { osd: (png: Buffer) => ocr.detectOrientation(png) }),
      readability: async (png) => (await ocr.recognize(png)).confidence,
      maxOutputPixels: options.maxOutputPixels ?? 24_000_000,
      ...(options.skip ? { skip: options.skip } : {}),
      ...(options.forceScale ? { forceScale: options.forceScale } : {}),
      ...(options.targetCharHeight ? { targetCharHeight: options.targetCharHeight } : {}),
    }),
  );
  let result = await stage('recognize', () => ocr.recognize(pre.png));
  const decided = pre.info.steps.some((s) => s.includes('by-legibility'));
  if (!decided && result.confidence < UPSIDE_DOWN_CHECK_BELOW && !options.skip?.includes('orient')) {
    const [turned, second] = await stage('upside-down', async () => {
      const t = await turnHalf(pre);
      return [t, await ocr.recognize(t.png)] as const;
    });
    if (second.confidence > result.confidence + 0.05) {
      pre = turned;
      result = second;
    }
  }
  // English pages pay nothing more; a page in another language is read again with its model
  // (and English's, for the English words and figures every invoice has), before the rereads
  // and the fusion, so both work on the better reading.
  let languages = 'eng';
  const other = otherLanguage(result, ocr, options.language);
  if (other) {
    const second = await stage('language', () => ocr.recognize(pre.png, other));
    // Ties go to the page's own language: the detector already said it is not English.
    if (second.confidence >= result.confidence) {
      result = second;
      languages = other;
    }
    pre = { ...pre, info: { ...pre.info, steps: [...pre.info.steps, `${LANGUAGE_STEP}${languages}`] } };
  }
  const left = (s: OptionalStage) => options.without?.includes(s) ?? false;
  const reread = left('reread-weak')
    ? result
    : await stage('reread-weak', () => rereadWeakWords(pre, result, ocr, languages));
  const words = left('read-missed')
    ? reread
    : await stage('read-missed', () => readMissedText(pre, reread, ocr, languages));
  // A page Tesseract reads with confidence is read right (clean print, a text-heavy scan);
  // the line reader is asked where it is unsure: thermal rolls, dot matrix, faded and noisy scans.
  // A page Tesseract finds no word on at all is blank paper (the back of a duplex scan): the
  // line reader would find nothing either, and loading its models costs ~700 MB.
  const blank = words.lines.every((l) => l.words.length === 0);
  if (!ocr.readLines || left('line-reader') || words.confidence >= SECOND_READ_BELOW || blank)
    return { pre, result: words, languages };
  const readLines = ocr.readLines.bind(ocr);
  const readerLines = await stage('line-reader', () => readLines(pre.png));
  const fused = await stage('fusion', async () => fusedResult(words.lines, readerLines));
  return {
    pre: { ...pre, info: { ...pre.info, steps: [...pre.info.steps, FUSED_STEP] } },
    result: languages === 'eng' ? fused : { ...fused, lines: keepAccents(fused.lines, words.lines) },
    languages,
  };
}

/** Tesseract's words and the line reader's lines of one page, fused into one reading. */
export function fusedResult(words: Line[], readerLines: ReaderLine[]): OcrResult {
  const lines = fuseReads(words, readerLines);
  return { lines, confidence: meanConfidence(lines.flatMap((l) => l.words)) };
}

/**
 * Pages Tesseract reads under this mean word confidence are also read by the line reader and
 * the two fused. Tesseract's words at 0.9 and over are right 91–97% of the time on SROIE
 * receipts (docs/reading.md); below, its characters are what goes wrong.
 */
const SECOND_READ_BELOW = 0.9;
/** A word read below this confidence is read again on its own. */
const WEAK_WORD = 0.7;
/** At most this many spots a page are read again, so a hopeless page costs little more. */
const MAX_REREADS = 24;

const meanConfidence = (ws: Word[]) => (ws.length ? ws.reduce((a, w) => a + w.confidence, 0) / ws.length : 0);
const textChars = (ws: Word[]) => ws.reduce((a, w) => a + w.text.replace(/[^\p{L}\p{N}]/gu, '').length, 0);

/**
 * Cuts rectangles out of a page image, clipped to the page; null for one too small to read.
 * The page is decoded once: cutting each crop out of the PNG would decode all of it each time.
 */
function pageCropper(pre: PreprocessedPage) {
  let raw: Promise<{ data: Buffer; info: OutputInfo }> | null = null;
  return async (x0: number, y0: number, x1: number, y1: number) => {
    const left = Math.max(0, Math.floor(x0));
    const top = Math.max(0, Math.floor(y0));
    const width = Math.min(pre.width, Math.ceil(x1)) - left;
    const height = Math.min(pre.height, Math.ceil(y1)) - top;
    if (width < 4 || height < 4) return null;
    raw ??= sharp(pre.png).raw().toBuffer({ resolveWithObject: true });
    const { data, info } = await raw;
    const png = await sharp(data, {
      raw: { width: info.width, height: info.height, channels: info.channels },
    })
      .extract({ left, top, width, height })
      .png({ compressionLevel: 1 })
      .toBuffer();
    return { png, left, top };
  };
}

/**
 * Reads again, cropped to themselves, the words tesseract was unsure of (a run of them
 * together). Read as part of a page, a word is segmented with its neighbours: a rule under
 * it, a speck beside it, a column of figures whose spacing looks fixed-pitch ("15374 .64" at
 * confidence 0, "5.75" as "I A"); on its own it is often read cleanly. The new reading
 * replaces the old only when it is more confident and holds about as much text.
 */
export async function rereadWeakWords(
  pre: PreprocessedPage,
  result: OcrResult,
  ocr: OcrPool,
  /** Tesseract's model list the page was read with. Default 'eng'. */
  languages = 'eng',
): Promise<OcrResult> {
  const weak = (w: Word) => w.confidence < WEAK_WORD && /[\p{L}\p{N}]/u.test(w.text);
  let budget = MAX_REREADS;
  const crop = pageCropper(pre);
  const lines: Line[] = [];
  for (const line of result.lines) {
    if (budget <= 0 || !line.words.some(weak)) {
      lines.push(line);
      continue;
    }
    const h = line.box.y1 - line.box.y0;
    // Runs of neighbouring weak words; a short punctuation mark between two of them joins them.
    const runs: [number, number][] = [];
    line.words.forEach((w, i) => {
      if (!weak(w)) return;
      const last = runs.at(-1);
      if (last && i - last[1] <= 2 && w.box.x0 - line.words[last[1]]!.box.x1 < 1.5 * h) last[1] = i;
      else runs.push([i, i]);
    });
    const words = [...line.words];
    // Right to left, so replacing a run keeps the indices of those before it.
    for (const [from, to] of runs.reverse()) {
      if (budget-- <= 0) break;
      const old = words.slice(from, to + 1);
      const x0 = Math.min(...old.map((w) => w.box.x0));
      const x1 = Math.max(...old.map((w) => w.box.x1));
      const cut = await crop(x0 - 0.5 * h, line.box.y0 - 0.3 * h, x1 + 0.5 * h, line.box.y1 + 0.3 * h);
      if (!cut) continue;
      const { left, top } = cut;
      const fresh = (await ocr.recognize(cut.png, languages)).lines
        .flatMap((l) => l.words)
        .map((w) => ({
          ...w,
          box: { x0: w.box.x0 + left, y0: w.box.y0 + top, x1: w.box.x1 + left, y1: w.box.y1 + top },
        }))
        // The margin may catch a sliver of the lines above and below, or of the next word.
        .filter((w) => {
          const mid = (w.box.y0 + w.box.y1) / 2;
          const centre = (w.box.x0 + w.box.x1) / 2;
          return mid > line.box.y0 && mid < line.box.y1 && centre > x0 && centre < x1;
        });
      // About the same text, surer: not a fragment of it, nor the line above spilled in.
      if (
        fresh.length === 0 ||
        fresh.length > old.length + 1 ||
        meanConfidence(fresh) < meanConfidence(old) + 0.1 ||
        textChars(fresh) < 0.5 * textChars(old) ||
        textChars(fresh) > 1.5 * textChars(old) + 2
      )
        continue;
      words.splice(from, to - from + 1, ...fresh);
    }
    lines.push({
      text: words.map((w) => w.text).join(' '),
      box: line.box,
      confidence: meanConfidence(words),
      words,
    });
  }
  const all = lines.flatMap((l) => l.words);
  return { lines, confidence: meanConfidence(all) };
}

async function ocrPage(
  pageNumber: number,
  image: Buffer,
  dpi: number | null,
  deps: ReadDeps,
  limits: IngestLimits,
  opts: PageReadOptions = {},
): Promise<PageOutcome> {
  const { pre, result, languages } = await ocrImage(image, dpi, deps.ocr, {
    maxOutputPixels: Math.min(limits.maxPixels, 24_000_000),
    ...(opts.onStage ? { onStage: opts.onStage, page: pageNumber } : {}),
    ...(opts.without ? { without: opts.without } : {}),
  });
  let lines = mergeIntoRows(result.lines);
  if (deps.ocr.recognizeLine && !opts.without?.includes('second-look')) {
    lines = await timed(opts.onStage, 'second-look', pageNumber, () =>
      lookAgainAtTop(pre, lines, deps.ocr, languages),
    );
  }
  return {
    page: {
      number: pageNumber,
      source: 'ocr',
      width: pre.width,
      height: pre.height,
      dpi: pre.dpi,
      lines,
      preprocess: pre.info,
      ocrConfidence: result.confidence,
    },
    image: pre.png,
  };
}

/** The top lines of a page given a second look: where receipts and letterheads name the issuer. */
const SECOND_LOOK_LINES = 8;

/**
 * Reads the first lines of a page again, each cropped on its own and read as one text line,
 * into `alone`. Read as part of the page, a header line is segmented with the logo and the
 * lines around it; alone it is often read differently, and a name read the same way twice is
 * more likely right than one the two readings disagree on. The confidence model weighs the
 * agreement (pipeline/confidence.ts): on SROIE it reads right both names that were posted
 * wrong (docs/reading.md, "the second look").
 */
export async function lookAgainAtTop(
  pre: PreprocessedPage,
  lines: Line[],
  ocr: OcrPool,
  /** Tesseract's model list the page was read with. Default 'eng'. */
  languages = 'eng',
): Promise<Line[]> {
  const recognizeLine = ocr.recognizeLine?.bind(ocr);
  if (!recognizeLine) return lines;
  const crop = pageCropper(pre);
  const out = [...lines];
  let looked = 0;
  for (let i = 0; i < out.length && looked < SECOND_LOOK_LINES; i++) {
    const line = out[i]!;
    if (!/[\p{L}\p{N}]/u.test(line.text)) continue;
    looked++;
    const { box } = line;
    // Half a line's height of paper around it, so the crop holds whole glyphs.
    const pad = Math.max(4, Math.round((box.y1 - box.y0) * 0.5));
    const cut = await crop(box.x0 - pad, box.y0 - pad, box.x1 + pad, box.y1 + pad);
    if (!cut) continue;
    const alone = (await recognizeLine(cut.png, languages)).lines
      .map((l) => l.text)
      .join(' ')
      .trim();
    out[i] = { ...line, alone };
  }
  return out;
}

/**
 * Reads pages 1..count with at most `concurrency` in flight, reporting them in order. The
 * first failure stops new pages from starting and is what the caller sees.
 */
async function readPages(
  count: number,
  opts: ReadOptions,
  readOne: (pageNumber: number) => Promise<PageOutcome>,
): Promise<ReadDocumentResult> {
  const concurrency = Math.max(1, Math.min(opts.concurrency ?? 2, count));
  const outcomes: (PageOutcome | undefined)[] = new Array(count);
  let next = 1;
  let reported = 0;
  let failed = false;

  const report = () => {
    while (reported < count && outcomes[reported]) {
      opts.onPage?.(outcomes[reported]!.page);
      reported++;
    }
  };

  const lane = async () => {
    while (!failed && next <= count) {
      const n = next++;
      try {
        outcomes[n - 1] = await readOne(n);
      } catch (e) {
        failed = true;
        throw e;
      }
      report();
    }
  };

  const lanes = Array.from({ length: concurrency }, lane);
  const settled = await Promise.allSettled(lanes);
  const rejection = settled.find((s) => s.status === 'rejected');
  if (rejection) throw (rejection as PromiseRejectedResult).reason;

  const done = outcomes as PageOutcome[];
  return { pages: done.map((o) => o.page), pageImages: done.map((o) => o.image) };
}

/** At most this many stretches of a page that tesseract skipped are read on their own. */
const MAX_MISSED = 6;

/**
 * Reads the bands of a page where there is ink but tesseract found no word. In one-block
 * mode it skips a line set much larger than the rest, which on a receipt is the shop's name
 * ("POPULAR BOOK" over "CO. (M) SDN BHD"). Each band of rows with uncovered ink, of half a
 * line's height or more, is cropped and read; its words are kept when tesseract is fairly
 * sure of them (mean 0.7), so a logo or a stamp read as letters is not.
 */
export async function readMissedText(
  pre: PreprocessedPage,
  result: OcrResult,
  ocr: OcrPool,
  /** Tesseract's model list the page was read with. Default 'eng'. */
  languages = 'eng',
): Promise<OcrResult> {
  const words = result.lines.flatMap((l) => l.words);
  if (words.length < 5) return result;
  const heights = words.map((w) => w.box.y1 - w.box.y0).sort((a, b) => a - b);
  const h = heights[Math.floor(heights.length / 2)]!;
  // Every other pixel is plenty to find a band of text; ink is what the stretch made dark.
  const step = 2;
  const { data, info } = await sharp(pre.png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const W = info.width;
  const H = info.height;
  const covered = new Uint8Array(Math.ceil(W / step) * Math.ceil(H / step));
  const cw = Math.ceil(W / step);
  for (const w of words) {
    const pad = 0.3 * (w.box.y1 - w.box.y0);
    for (
      let y = Math.max(0, Math.floor((w.box.y0 - pad) / step));
      y <= Math.min(H - 1, w.box.y1 + pad) / step;
      y++
    ) {
      covered.fill(
        1,
        y * cw + Math.max(0, Math.floor((w.box.x0 - pad) / step)),
        y * cw + Math.min(cw, Math.ceil((w.box.x1 + pad) / step)),
      );
    }
  }
  const rowInk: { count: number; x0: number; x1: number }[] = [];
  for (let y = 0; y < H; y += step) {
    let count = 0;
    let x0 = W;
    let x1 = 0;
    for (let x = 0; x < W; x += step) {
      if (data[y * W + x]! < 96 && !covered[(y / step) * cw + x / step]) {
        count++;
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
      }
    }
    rowInk.push({ count, x0, x1 });
  }
  // Bands: runs of rows each with a character's worth of uncovered ink.
  const minCount = Math.max(3, Math.round((0.5 * h) / step));
  const bands: { y0: number; y1: number; x0: number; x1: number }[] = [];
  let open: { y0: number; y1: number; x0: number; x1: number } | null = null;
  rowInk.forEach((r, i) => {
    const y = i * step;
    if (r.count >= minCount) {
      if (open) {
        open.y1 = y + step;
        open.x0 = Math.min(open.x0, r.x0);
        open.x1 = Math.max(open.x1, r.x1);
      } else open = { y0: y, y1: y + step, x0: r.x0, x1: r.x1 };
    } else if (open) {
      bands.push(open);
      open = null;
    }
  });
  if (open) bands.push(open);
  const tall = bands.filter((b) => b.y1 - b.y0 >= 0.5 * h && b.y1 - b.y0 <= 8 * h).slice(0, MAX_MISSED);
  if (tall.length === 0) return result;
  const lines = [...result.lines];
  for (const b of tall) {
    const bh = b.y1 - b.y0;
    const left = Math.max(0, Math.floor(b.x0 - bh));
    const top = Math.max(0, Math.floor(b.y0 - 0.3 * bh));
    const width = Math.min(W, Math.ceil(b.x1 + bh)) - left;
    const height = Math.min(H, Math.ceil(b.y1 + 0.3 * bh)) - top;
    if (width < 8 || height < 8) continue;
    const crop = await sharp(data, { raw: { width: W, height: H, channels: 1 } })
      .extract({ left, top, width, height })
      .png({ compressionLevel: 1 })
      .toBuffer();
    for (const line of (await ocr.recognize(crop, languages)).lines) {
      const found = line.words
        .map((w) => ({
          ...w,
          box: { x0: w.box.x0 + left, y0: w.box.y0 + top, x1: w.box.x1 + left, y1: w.box.y1 + top },
        }))
        // Words already read elsewhere on the page are not read twice.
        .filter((w) => !words.some((o) => overlapShare(w.box, o.box) > 0.3));
      if (found.length === 0 || meanConfidence(found) < 0.7 || textChars(found) < 3) continue;
      lines.push({
        text: found.map((w) => w.text).join(' '),
        box: unionBox(found.map((w) => w.box)),
        confidence: meanConfidence(found),
        words: found,
      });
    }
  }
  if (lines.length === result.lines.length) return result;
  lines.sort((a, b) => a.box.y0 - b.box.y0);
  return { lines, confidence: meanConfidence(lines.flatMap((l) => l.words)) };
}

/** Share of box a's area that box b covers. */
function overlapShare(a: { x0: number; y0: number; x1: number; y1: number }, b: typeof a): number {
  const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
  const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
  if (w <= 0 || h <= 0) return 0;
  return (w * h) / Math.max(1, (a.x1 - a.x0) * (a.y1 - a.y0));
}
