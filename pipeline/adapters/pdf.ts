import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Box } from '../../schemas/common.ts';
import type { Line, Word, XmlAttachment } from '../../schemas/read.ts';
import { PipelineError } from '../errors.ts';
import { type PdfStructure, pdfStructure } from '../file-structure.ts';
import { unionBox } from '../layout.ts';
import { applySpacingFixes, type FontRun, type SpacingFix, spacingOfPage } from './pdf-spacing.ts';

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
type PDFDocumentProxy = import('pdfjs-dist/legacy/build/pdf.mjs').PDFDocumentProxy;
type PDFPageProxy = import('pdfjs-dist/legacy/build/pdf.mjs').PDFPageProxy;
type PageViewport = import('pdfjs-dist/legacy/build/pdf.mjs').PageViewport;

/** The parts of pdfjs's TextItem and TextStyle used here (pdfjs does not export those types). */
interface TextItem {
  str: string;
  dir: string;
  transform: number[];
  width: number;
  height: number;
  fontName: string;
}
interface TextStyle {
  ascent: number;
  descent: number;
  vertical?: boolean;
  fontFamily: string;
}

/** PDF user space is 72 units per inch. */
const POINTS_PER_INCH = 72;
/** A font plain (no glyph moved) on this many pages of a PDF is taken to be plain on the rest. */
const PLAIN_PAGES = 3;

export interface OpenPdfOptions {
  /**
   * Embedded images above this many pixels are skipped when rendering, so a PDF cannot
   * smuggle in a decompression bomb. Default 100 megapixels.
   */
  maxImagePixels?: number;
  /**
   * Page limit the caller will apply. A PDF over it is not checked page by page for missing
   * pages (it is refused anyway), so a 5000-page file costs no more than its page count.
   */
  maxPages?: number;
}

export interface TextLayerPage {
  lines: Line[];
  /** Size of the page rendered at the requested dpi, px; the boxes in `lines` refer to it. */
  width: number;
  height: number;
}

export interface PdfDocument {
  readonly numPages: number;
  /** Page size in pixels at `dpi`, after the page's own /Rotate. */
  pageSize(pageNumber: number, dpi: number): Promise<{ width: number; height: number }>;
  readTextLayer(pageNumber: number, dpi: number): Promise<TextLayerPage>;
  /** The page as a PNG at `dpi`, on white. */
  renderPage(pageNumber: number, dpi: number): Promise<Buffer>;
  /**
   * Embedded files whose name ends in .xml (where Factur-X and ZUGFeRD put the invoice), up to
   * `maxBytes` each; a damaged attachment table yields none rather than failing the PDF.
   */
  xmlAttachments(maxBytes?: number): Promise<XmlAttachment[]>;
  close(): Promise<void>;
}

/** An e-invoice XML is tens of kilobytes; one of megabytes is not an invoice but a payload. */
export const MAX_XML_ATTACHMENT_BYTES = 5_000_000;

let pdfjsPromise: Promise<PdfJs> | null = null;
/** Loaded on first use, so importing this module costs nothing for image-only batches. */
function loadPdfJs(): Promise<PdfJs> {
  pdfjsPromise ??= import('pdfjs-dist/legacy/build/pdf.mjs');
  return pdfjsPromise;
}

let assetDirs: { standardFonts: string; cMaps: string; wasm: string; iccs: string } | null = null;
function pdfjsAssets() {
  if (!assetDirs) {
    const root = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
    // pdfjs in Node reads these with fs, so plain paths (with the trailing slash it asks for) work.
    assetDirs = {
      standardFonts: `${join(root, 'standard_fonts')}/`,
      cMaps: `${join(root, 'cmaps')}/`,
      wasm: `${join(root, 'wasm')}/`,
      iccs: `${join(root, 'iccs')}/`,
    };
  }
  return assetDirs;
}

/** Opens a PDF. Throws PipelineError 'encrypted', 'truncated' or 'corrupt' for what cannot be opened. */
export async function openPdf(bytes: Uint8Array, options: OpenPdfOptions = {}): Promise<PdfDocument> {
  const structure = pdfStructure(bytes);
  if (structure.appended) {
    throw new PipelineError(
      'corrupt',
      `The file is a PDF with ${structure.appended} attached after its end, so it opens as two different things; such files are refused. Ask the sender for a plain PDF.`,
    );
  }
  if (structure.integrity === 'malformed') throw notPdfData();
  const pdfjs = await loadPdfJs();
  const assets = pdfjsAssets();
  // pdfjs transfers (detaches) the buffer it is given; the caller's bytes must stay usable.
  const data = new Uint8Array(bytes);
  const task = pdfjs.getDocument({
    data,
    standardFontDataUrl: assets.standardFonts,
    cMapUrl: assets.cMaps,
    cMapPacked: true,
    wasmUrl: assets.wasm,
    iccUrl: assets.iccs,
    isEvalSupported: false,
    verbosity: 0,
    maxImageSize: options.maxImagePixels ?? 100_000_000,
    // Otherwise a bad /Annots entry on a page of a scanned contract prints a warning per page.
    stopAtErrors: false,
  });
  let doc: PDFDocumentProxy;
  try {
    doc = await task.promise;
  } catch (e) {
    await task.destroy().catch(() => {});
    throw mapPdfError(e, bytes, structure);
  }
  // pdfjs rebuilds a lost cross-reference table and opens the front half of a cut-off file;
  // reading it would silently drop the pages that never arrived.
  if (!hasEofMarker(bytes) && doc.numPages <= (options.maxPages ?? Number.POSITIVE_INFINITY)) {
    try {
      for (let n = 1; n <= doc.numPages; n++) await doc.getPage(n);
    } catch (e) {
      await doc.destroy().catch(() => {});
      throw cutShort(e, ' (pages are missing and it has no end-of-file marker)');
    }
  }
  if (doc.numPages > 0 && !structure.pagesVisible) {
    await doc.destroy().catch(() => {});
    throw new PipelineError(
      'corrupt',
      "The PDF's list of pages is damaged: no page can be found in it. Ask the sender for a new copy.",
    );
  }
  return new PdfJsDocument(doc);
}

function cutShort(cause?: unknown, detail = ' (it has no end-of-file marker)'): PipelineError {
  return new PipelineError(
    'truncated',
    `The PDF is cut short${detail}: it was probably not fully uploaded or copied.`,
    cause === undefined ? undefined : { cause },
  );
}

function notPdfData(cause?: unknown): PipelineError {
  return new PipelineError(
    'corrupt',
    'The file starts like a PDF, but what follows is not PDF data: it is damaged. Ask the sender for a new copy.',
    cause === undefined ? undefined : { cause },
  );
}

/** Whether the bytes end with an %%EOF marker (allowing trailing whitespace or junk). */
function hasEofMarker(bytes: Uint8Array): boolean {
  const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - 2048))).toString('latin1');
  return tail.includes('%%EOF');
}

export function mapPdfError(
  e: unknown,
  bytes: Uint8Array,
  structure: PdfStructure = pdfStructure(bytes),
): PipelineError {
  if (e instanceof PipelineError) return e;
  const name = e && typeof e === 'object' && 'name' in e ? String(e.name) : '';
  const message = e instanceof Error ? e.message : String(e);
  if (name === 'PasswordException') {
    const wrong = /incorrect/i.test(message);
    return new PipelineError(
      'encrypted',
      wrong
        ? 'The PDF is password-protected and the password given is wrong.'
        : 'The PDF is password-protected; ask the sender for a copy without a password.',
      { cause: e },
    );
  }
  if (!hasEofMarker(bytes) && structure.integrity === 'truncated') return cutShort(e);
  if (structure.integrity === 'malformed') return notPdfData(e);
  // pdfjs's words ("Invalid PDF structure", "bad XRef entry") are for developers, not clerks.
  return new PipelineError(
    'corrupt',
    "The PDF's structure is damaged (its table of contents and objects do not fit together), so it cannot be read. Ask the sender for a new copy.",
    { cause: e },
  );
}

class PdfJsDocument implements PdfDocument {
  readonly numPages: number;
  #doc: PDFDocumentProxy;
  #closed = false;
  /**
   * Pages each font was plain on (pdf-spacing.ts), and fonts seen moved. Reading a page's
   * operator list for the spacing fixes loads its fonts' programs and makes a page's worth of
   * garbage: on a long PDF from one producer it was most of the memory that grew with pages.
   */
  #plainPages = new Map<string, number>();
  #movedFonts = new Set<string>();

  constructor(doc: PDFDocumentProxy) {
    this.#doc = doc;
    this.numPages = doc.numPages;
  }

  async #page(pageNumber: number): Promise<PDFPageProxy> {
    if (this.#closed) throw new PipelineError('internal-error', 'The PDF was already closed.');
    if (!Number.isInteger(pageNumber) || pageNumber < 1 || pageNumber > this.numPages) {
      throw new PipelineError('internal-error', `Page ${pageNumber} does not exist (1..${this.numPages}).`);
    }
    try {
      return await this.#doc.getPage(pageNumber);
    } catch (e) {
      throw new PipelineError('corrupt', `Page ${pageNumber} of the PDF is damaged and cannot be read.`, {
        cause: e,
      });
    }
  }

  async xmlAttachments(maxBytes = MAX_XML_ATTACHMENT_BYTES): Promise<XmlAttachment[]> {
    let found: Record<string, { filename?: string; content?: Uint8Array }> | null;
    try {
      found = await this.#doc.getAttachments();
    } catch {
      return [];
    }
    const out: XmlAttachment[] = [];
    for (const [key, a] of Object.entries(found ?? {})) {
      const name = a.filename ?? key;
      if (!/\.xml$/i.test(name) || !a.content || a.content.length > maxBytes) continue;
      out.push({ name, xml: new TextDecoder('utf-8').decode(a.content) });
    }
    return out;
  }

  async pageSize(pageNumber: number, dpi: number) {
    const page = await this.#page(pageNumber);
    const vp = page.getViewport({ scale: dpi / POINTS_PER_INCH });
    return { width: Math.round(vp.width), height: Math.round(vp.height) };
  }

  async readTextLayer(pageNumber: number, dpi: number): Promise<TextLayerPage> {
    const page = await this.#page(pageNumber);
    const viewport = page.getViewport({ scale: dpi / POINTS_PER_INCH });
    let content: Awaited<ReturnType<PDFPageProxy['getTextContent']>>;
    try {
      content = await page.getTextContent();
    } catch (e) {
      throw new PipelineError(
        'corrupt',
        `The text of page ${pageNumber} of the PDF is damaged and cannot be read.`,
        {
          cause: e,
        },
      );
    }
    const fonts = new Set(
      content.items.flatMap((item) => ('str' in item && item.str ? [item.fontName] : [])),
    );
    const fixes = fonts.size > 0 && !this.#allPlain(fonts) ? await this.#spacingFixes(page) : [];
    const fragments: Fragment[] = [];
    for (const item of content.items) {
      if (!('str' in item) || item.str.length === 0) continue;
      const str = fixes.length > 0 ? applySpacingFixes(item.str, fixes) : item.str;
      fragments.push(...splitItem({ ...(item as TextItem), str }, content.styles[item.fontName], viewport));
    }
    page.cleanup();
    return {
      lines: groupIntoLines(fragments),
      width: Math.round(viewport.width),
      height: Math.round(viewport.height),
    };
  }

  /** See pdf-spacing.ts. A page whose drawing instructions cannot be read keeps pdfjs's spaces. */
  async #spacingFixes(page: PDFPageProxy): Promise<SpacingFix[]> {
    const { OPS } = await loadPdfJs();
    let ops: Awaited<ReturnType<PDFPageProxy['getOperatorList']>>;
    try {
      ops = await page.getOperatorList();
    } catch {
      return [];
    }
    const runs: FontRun[] = [];
    let font = '';
    ops.fnArray.forEach((fn, i) => {
      if (fn === OPS.setFont) font = String(ops.argsArray[i]?.[0] ?? '');
      else if (fn === OPS.showText) runs.push({ font, glyphs: ops.argsArray[i]?.[0] as FontRun['glyphs'] });
    });
    const { fixes, plainFonts, movedFonts } = spacingOfPage(runs);
    for (const f of plainFonts) this.#plainPages.set(f, (this.#plainPages.get(f) ?? 0) + 1);
    for (const f of movedFonts) this.#movedFonts.add(f);
    return fixes;
  }

  /** Whether every font of a page was plain on PLAIN_PAGES pages and never seen moved. */
  #allPlain(fonts: Set<string>): boolean {
    for (const f of fonts) {
      if (this.#movedFonts.has(f) || (this.#plainPages.get(f) ?? 0) < PLAIN_PAGES) return false;
    }
    return true;
  }

  async renderPage(pageNumber: number, dpi: number): Promise<Buffer> {
    const page = await this.#page(pageNumber);
    const viewport = page.getViewport({ scale: dpi / POINTS_PER_INCH });
    const width = Math.max(1, Math.round(viewport.width));
    const height = Math.max(1, Math.round(viewport.height));
    const factory = this.#doc.canvasFactory as CanvasFactoryLike;
    const entry = factory.create(width, height);
    try {
      const ctx = entry.context;
      // Transparent pixels turn black in some viewers and in OCR; pages are paper.
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, width, height);
      await page.render({ canvas: entry.canvas as never, canvasContext: ctx as never, viewport }).promise;
      return entry.canvas.toBuffer('image/png');
    } catch (e) {
      throw new PipelineError('corrupt', `Page ${pageNumber} of the PDF is damaged: it cannot be drawn.`, {
        cause: e,
      });
    } finally {
      factory.destroy(entry);
      page.cleanup();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#doc.destroy();
  }
}

interface CanvasFactoryLike {
  create(
    width: number,
    height: number,
  ): {
    canvas: { toBuffer(mime: 'image/png'): Buffer };
    context: { fillStyle: string; fillRect(x: number, y: number, w: number, h: number): void };
  };
  destroy(entry: unknown): void;
}

/** A run of non-space characters of one text item, with its box on the page image. */
interface Fragment {
  text: string;
  box: Box;
  /** Font size in px: the scale for "how far apart is a word gap". */
  size: number;
  /** Baseline y in px, for ordering within a line band. */
  baseline: number;
}

let measureCtx: { font: string; measureText(s: string): { width: number } } | null | undefined;
const MEASURE_FAMILY = 'PaperlineMetricSans';

/**
 * Relative glyph widths, so a word inside "Invoice number 123" gets a box near where it is
 * printed. pdfjs reports only the width of a whole text run; the run's real font lives in its
 * worker. Liberation Sans (shipped with pdfjs) has Arial's and so Helvetica's metrics, the
 * commonest invoice fonts; monospace needs no font at all.
 */
function textWidth(text: string, family: string): number {
  if (family === 'monospace') return text.length;
  if (measureCtx === undefined) {
    try {
      const require = createRequire(import.meta.url);
      const canvas = require('@napi-rs/canvas') as typeof import('@napi-rs/canvas');
      const fontFile = join(
        dirname(require.resolve('pdfjs-dist/package.json')),
        'standard_fonts',
        'LiberationSans-Regular.ttf',
      );
      measureCtx = canvas.GlobalFonts.registerFromPath(fontFile, MEASURE_FAMILY)
        ? canvas.createCanvas(1, 1).getContext('2d')
        : null;
    } catch {
      measureCtx = null;
    }
    if (measureCtx) measureCtx.font = `100px ${MEASURE_FAMILY}`;
  }
  const w = measureCtx?.measureText(text).width ?? 0;
  return w > 0 ? w : text.length;
}

function cssFamily(style: TextStyle | undefined): string {
  return style?.fontFamily === 'monospace' ? 'monospace' : 'sans';
}

function splitItem(item: TextItem, style: TextStyle | undefined, viewport: PageViewport): Fragment[] {
  const [a, b, c, d, e, f] = item.transform as number[];
  if (a === undefined || b === undefined || c === undefined || d === undefined) return [];
  if (e === undefined || f === undefined) return [];
  // Direction of writing and "up" in PDF space; item.width is the advance along the former.
  const advance = Math.hypot(a, b);
  const fontSize = Math.hypot(c, d) || advance;
  if (fontSize === 0) return [];
  const vertical = item.dir === 'ttb' || style?.vertical === true;
  const dir = vertical ? { x: 0, y: -1 } : { x: a / (advance || 1), y: b / (advance || 1) };
  const up = { x: c / fontSize, y: d / fontSize };
  const length = vertical ? item.height : item.width;
  if (!(length > 0)) return [];
  const ascent = style?.ascent && style.ascent > 0 ? style.ascent : 0.8;
  const descent = style?.descent && style.descent < 0 ? style.descent : -0.2;

  const family = cssFamily(style);
  const total = textWidth(item.str, family);
  const scale = viewport.scale;
  const fragments: Fragment[] = [];
  for (const match of item.str.matchAll(/\S+/g)) {
    const start = match.index;
    const word = match[0];
    const before = start === 0 ? 0 : textWidth(item.str.slice(0, start), family);
    const upTo = textWidth(item.str.slice(0, start + word.length), family);
    const t0 = (before / total) * length;
    const t1 = (upTo / total) * length;
    const corners: [number, number][] = [];
    for (const t of [t0, t1]) {
      for (const h of [descent, ascent]) {
        const x = e + dir.x * t + up.x * h * fontSize;
        const y = f + dir.y * t + up.y * h * fontSize;
        corners.push(viewport.convertToViewportPoint(x, y) as [number, number]);
      }
    }
    const xs = corners.map((p) => p[0]);
    const ys = corners.map((p) => p[1]);
    const [, baseY] = viewport.convertToViewportPoint(e + dir.x * t0, f + dir.y * t0) as [number, number];
    fragments.push({
      text: word,
      box: { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) },
      size: fontSize * scale,
      baseline: baseY,
    });
  }
  return fragments;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function roundBox(b: Box): Box {
  return { x0: round1(b.x0), y0: round1(b.y0), x1: round1(b.x1), y1: round1(b.y1) };
}

/**
 * Lines as a reader sees them: fragments whose vertical centres fall inside each other's band
 * form one line, read left to right. Fragments that touch (generators that place every glyph
 * on its own) are glued back into words.
 */
function groupIntoLines(fragments: Fragment[]): Line[] {
  const sorted = [...fragments].sort((p, q) => p.baseline - q.baseline || p.box.x0 - q.box.x0);
  const bands: { frags: Fragment[]; y0: number; y1: number }[] = [];
  for (const frag of sorted) {
    const centre = (frag.box.y0 + frag.box.y1) / 2;
    const band = bands.find((bd) => {
      const bc = (bd.y0 + bd.y1) / 2;
      return (centre >= bd.y0 && centre <= bd.y1) || (bc >= frag.box.y0 && bc <= frag.box.y1);
    });
    if (band) {
      band.frags.push(frag);
      band.y0 = Math.min(band.y0, frag.box.y0);
      band.y1 = Math.max(band.y1, frag.box.y1);
    } else {
      bands.push({ frags: [frag], y0: frag.box.y0, y1: frag.box.y1 });
    }
  }

  const lines: Line[] = [];
  for (const band of bands) {
    const frags = band.frags.sort((p, q) => p.box.x0 - q.box.x0);
    const words: Word[] = [];
    let current: { text: string; boxes: Box[]; size: number } | null = null;
    for (const frag of frags) {
      if (current) {
        const last = current.boxes[current.boxes.length - 1]!;
        const gap = frag.box.x0 - last.x1;
        if (gap < 0.15 * Math.min(current.size, frag.size) && gap > -0.5 * frag.size) {
          current.text += frag.text;
          current.boxes.push(frag.box);
          continue;
        }
        words.push({ text: current.text, box: roundBox(unionBox(current.boxes)), confidence: 1 });
      }
      current = { text: frag.text, boxes: [frag.box], size: frag.size };
    }
    if (current) words.push({ text: current.text, box: roundBox(unionBox(current.boxes)), confidence: 1 });
    lines.push({
      text: words.map((w) => w.text).join(' '),
      box: roundBox(unionBox(words.map((w) => w.box))),
      confidence: 1,
      words,
    });
  }
  return lines.sort((p, q) => p.box.y0 - q.box.y0 || p.box.x0 - q.box.x0);
}

/**
 * Whether a page's text layer is worth reading instead of OCR. Scanned pages have none; some
 * PDFs have a layer of junk (fonts without a Unicode map come out as symbols or private-use
 * characters), which OCR reads better.
 */
export function hasUsableTextLayer(lines: Line[]): boolean {
  let alnum = 0;
  let visible = 0;
  for (const line of lines) {
    for (const ch of line.text) {
      if (/\s/u.test(ch)) continue;
      visible++;
      if (/[\p{L}\p{N}]/u.test(ch) && !/[\u{E000}-\u{F8FF}\u{FFFD}]/u.test(ch)) alnum++;
    }
  }
  if (alnum < 20) return false;
  // Invoices are punctuation-heavy ("$1,234.00", "--------"), so the bar is well under half.
  return alnum / visible >= 0.5;
}
