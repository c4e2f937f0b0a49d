import type { Line, PageRead, ReadResult } from '../schemas/read.ts';
import {
  imagePageCount,
  loadImagePage,
  type PreprocessedPage,
  type PreprocessOptions,
  preprocess,
  turnHalf,
} from './adapters/image.ts';
import type { OcrPool, OcrResult } from './adapters/ocr.ts';
import { hasUsableTextLayer, openPdf, type PdfDocument } from './adapters/pdf.ts';
import { isPipelineError, PipelineError } from './errors.ts';
import { DEFAULT_INGEST_LIMITS, type IngestedFile, type IngestLimits } from './ingest.ts';
import { mergeIntoRows } from './layout.ts';

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
}

export type ReadDocumentResult = ReadResult & {
  /** One PNG per page; the boxes of `pages[i]` are in pixels of `pageImages[i]`. */
  pageImages: Buffer[];
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
  image: Buffer;
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
  return guarded(file, () =>
    file.format === 'pdf' ? readPdf(file, deps, opts, limits) : readImage(file, deps, opts, limits),
  );
}

/** Lets PipelineErrors through and turns anything else into an internal-error one. */
async function guarded<T>(file: IngestedFile, fn: () => Promise<T>): Promise<T> {
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
      `The document has ${count} pages, more than the limit of ${limits.maxPages} pages per document.`,
    );
  }
  if (count < 1) throw new PipelineError('corrupt', 'The document has no pages.');
}

async function readPdf(
  file: IngestedFile,
  deps: ReadDeps,
  opts: ReadOptions,
  limits: IngestLimits,
): Promise<ReadDocumentResult> {
  const pdf = await openPdf(file.bytes, { maxImagePixels: limits.maxPixels });
  try {
    checkPageCount(pdf.numPages, limits);
    return await readPages(pdf.numPages, opts, (n) => readPdfPage(pdf, n, deps, limits));
  } finally {
    await pdf.close();
  }
}

/**
 * Counts a document's pages and checks them against the limits, without reading any: the
 * service fans one job out per page from this. Throws PipelineError like readDocument.
 */
export async function countPages(file: IngestedFile, limits: Partial<IngestLimits> = {}): Promise<number> {
  const all: IngestLimits = { ...DEFAULT_INGEST_LIMITS, ...limits };
  return guarded(file, async () => {
    let count: number;
    if (file.format === 'pdf') {
      const pdf = await openPdf(file.bytes, { maxImagePixels: all.maxPixels });
      try {
        count = pdf.numPages;
      } finally {
        await pdf.close();
      }
    } else {
      count = await imagePageCount(file.bytes, all);
    }
    checkPageCount(count, all);
    return count;
  });
}

/** Reads one page (1-based) on its own, the way readDocument reads each of them. */
export async function readOnePage(
  file: IngestedFile,
  pageNumber: number,
  deps: ReadDeps,
  limits: Partial<IngestLimits> = {},
): Promise<{ page: PageRead; image: Buffer }> {
  const all: IngestLimits = { ...DEFAULT_INGEST_LIMITS, ...limits };
  return guarded(file, async () => {
    if (file.format === 'pdf') {
      const pdf = await openPdf(file.bytes, { maxImagePixels: all.maxPixels });
      try {
        return await readPdfPage(pdf, pageNumber, deps, all);
      } finally {
        await pdf.close();
      }
    }
    const loaded = await loadImagePage(file.bytes, pageNumber - 1, all);
    return ocrPage(pageNumber, loaded.png, loaded.dpi, deps, all);
  });
}

/** 300 dpi unless the page is so large (a poster, a plan) that it would pass the pixel limit. */
async function renderDpi(pdf: PdfDocument, pageNumber: number, limits: IngestLimits): Promise<number> {
  const { width, height } = await pdf.pageSize(pageNumber, POINTS_PER_INCH);
  const area = Math.max(1, width * height);
  const fitting = POINTS_PER_INCH * Math.sqrt(limits.maxPixels / area);
  return Math.max(1, Math.min(PDF_RENDER_DPI, Math.floor(fitting)));
}

async function readPdfPage(
  pdf: PdfDocument,
  pageNumber: number,
  deps: ReadDeps,
  limits: IngestLimits,
): Promise<PageOutcome> {
  const dpi = await renderDpi(pdf, pageNumber, limits);
  const layer = await pdf.readTextLayer(pageNumber, dpi);
  const image = await pdf.renderPage(pageNumber, dpi);
  if (hasUsableTextLayer(layer.lines)) {
    return {
      page: textLayerPage(pageNumber, layer, dpi),
      image,
    };
  }
  return ocrPage(pageNumber, image, dpi, deps, limits);
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
    const loaded = await loadImagePage(file.bytes, n - 1, limits);
    return ocrPage(n, loaded.png, loaded.dpi, deps, limits);
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
}

/** Preprocesses one page image and reads it, turning it upright on the way. */
export async function ocrImage(
  image: Buffer,
  dpi: number | null,
  ocr: OcrPool,
  options: OcrImageOptions = {},
): Promise<{ pre: PreprocessedPage; result: OcrResult }> {
  let pre = await preprocess(image, {
    dpi,
    ...(options.noOsd ? {} : { osd: (png: Buffer) => ocr.detectOrientation(png) }),
    readability: async (png) => (await ocr.recognize(png)).confidence,
    maxOutputPixels: options.maxOutputPixels ?? 24_000_000,
    ...(options.skip ? { skip: options.skip } : {}),
    ...(options.forceScale ? { forceScale: options.forceScale } : {}),
    ...(options.targetCharHeight ? { targetCharHeight: options.targetCharHeight } : {}),
  });
  let result = await ocr.recognize(pre.png);
  const decided = pre.info.steps.some((s) => s.includes('by-legibility'));
  if (!decided && result.confidence < UPSIDE_DOWN_CHECK_BELOW && !options.skip?.includes('orient')) {
    const turned = await turnHalf(pre);
    const second = await ocr.recognize(turned.png);
    if (second.confidence > result.confidence + 0.05) {
      pre = turned;
      result = second;
    }
  }
  return { pre, result };
}

async function ocrPage(
  pageNumber: number,
  image: Buffer,
  dpi: number | null,
  deps: ReadDeps,
  limits: IngestLimits,
): Promise<PageOutcome> {
  const { pre, result } = await ocrImage(image, dpi, deps.ocr, {
    maxOutputPixels: Math.min(limits.maxPixels, 24_000_000),
  });
  return {
    page: {
      number: pageNumber,
      source: 'ocr',
      width: pre.width,
      height: pre.height,
      dpi: pre.dpi,
      lines: mergeIntoRows(result.lines),
      preprocess: pre.info,
      ocrConfidence: result.confidence,
    },
    image: pre.png,
  };
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
