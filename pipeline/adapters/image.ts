import sharp, { type Metadata, type Sharp } from 'sharp';
import type { PreprocessInfo } from '../../schemas/read.ts';
import { PipelineError } from '../errors.ts';
import { imageIntegrity, undecodableTiffCompression } from '../file-structure.ts';
import { median } from '../layout.ts';
import { megapixels, pixelsOverLimit } from '../wording.ts';

export type Rotation = 0 | 90 | 180 | 270;

export interface ImageLimits {
  /** Most pixels one page may decode to. Default 100 megapixels. */
  maxPixels: number;
}

const DEFAULT_MAX_PIXELS = 100_000_000;

export interface LoadedImagePage {
  /** The page as PNG, turned by its EXIF orientation, colours untouched. */
  png: Buffer;
  width: number;
  height: number;
  /**
   * Resolution from the file when it is believable, or inferred from an A4/Letter page size;
   * null when unknown (phone photos, receipts): preprocess() then measures the text instead.
   */
  dpi: number | null;
}

/** Turns a page image upright: the caller passes tesseract's OSD so this module stays free of it. */
export type OrientationDetector = (png: Buffer) => Promise<{ rotation: Rotation; confidence: number }>;

export interface PreprocessOptions {
  /** What the page is at, from loadImagePage() or the PDF render; null when unknown. */
  dpi: number | null;
  /**
   * Tesseract OSD. Its "turn it" answers are checked (with `readability`) before they are
   * believed; its "as is" is. Without `osd` and `readability` every page is taken as upright.
   */
  osd?: OrientationDetector;
  /**
   * Mean OCR confidence (0..1) of an image: settles orientations OSD is unsure or wrong about,
   * by reading a strip of the page both ways. Without it, OSD's answer stands.
   */
  readability?: (png: Buffer) => Promise<number>;
  /** OSD answers below this confidence are ignored (tesseract says ~2-3 even on clean pages). Default 1. */
  minOsdConfidence?: number;
  /** The output image is kept under this many pixels whatever the upscale wants. Default 24 megapixels. */
  maxOutputPixels?: number;
  /** Pixel limit for decoding the input. Default 100 megapixels. */
  maxInputPixels?: number;
  /** Character height (px) the resize aims for. Default TARGET_CHAR_HEIGHT. */
  targetCharHeight?: number;
  /** Resize by exactly this factor instead of by the measured text size (for measurements). */
  forceScale?: number;
  /** Steps to skip, for measurements: 'upscale' keeps the page at its size. */
  skip?: readonly ('orient' | 'deskew' | 'rules' | 'speckle' | 'upscale')[];
}

export interface PreprocessedPage {
  /** Upright, deskewed, one-channel grayscale PNG; OCR boxes refer to it. */
  png: Buffer;
  width: number;
  height: number;
  /** Resolution the output is at (known or estimated from the text size). */
  dpi: number;
  info: PreprocessInfo;
}

/** Tesseract refuses images over 32767 pixels a side; a page is never near that. */
export const MAX_PAGE_SIDE = 30_000;
/**
 * A page at most this many times as long as it is wide. A long till roll is about 40; a strip
 * beyond this is a line, a border or a trick, not a page, and OCR cannot lay it out.
 */
export const MAX_PAGE_ASPECT = 100;

/** A page's size in pixels beside the pixel limit it was held to. */
interface PixelSize {
  width: number;
  height: number;
  maxPixels: number;
}

/**
 * Why an image could not be decoded, from its own structure (file-structure.ts), never in the
 * decoder's words: those are for developers and often name the wrong thing. `bytes` (the file)
 * lets a damaged file be told from a cut one; `size` lets a refusal over the pixel limit give
 * the figure and the limit.
 */
function sharpError(
  e: unknown,
  what: string,
  from: { bytes?: Uint8Array; size?: PixelSize | null } = {},
): PipelineError {
  if (e instanceof PipelineError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const subject = `The ${what}`;
  if (/pixel limit/i.test(message)) {
    if (from.size) return tooManyPixels(subject, from.size, e);
    return new PipelineError('too-many-pixels', `${subject} is larger than the pixel limit.`, { cause: e });
  }
  if (from.bytes) {
    const compression = undecodableTiffCompression(from.bytes);
    if (compression) return undecodableTiff(what, compression, e);
    if (imageIntegrity(from.bytes) === 'truncated') return truncatedImage(what, e);
  }
  return new PipelineError(
    'corrupt',
    `${subject} is damaged: its data cannot be decoded. Ask the sender for a new copy or scan it again.`,
    { cause: e },
  );
}

function undecodableTiff(what: string, compression: string, cause?: unknown): PipelineError {
  return new PipelineError(
    'unsupported-type',
    `The ${what} is a TIFF compressed with ${compression}, which Paperline cannot decode; scan or save it again with LZW, Deflate, JPEG or fax (group 4) compression.`,
    cause === undefined ? undefined : { cause },
  );
}

function truncatedImage(what: string, cause?: unknown): PipelineError {
  return new PipelineError(
    'truncated',
    `The ${what} is cut short (its data stops before the end of the picture): it was probably not fully uploaded or copied.`,
    cause === undefined ? undefined : { cause },
  );
}

/** The one wording of a page over the pixel limit: "Page 1 is 25000 x 25000 = 625 MP, over the 100 MP limit." */
function tooManyPixels(subject: string, size: PixelSize, cause?: unknown): PipelineError {
  return new PipelineError(
    'too-many-pixels',
    `${subject} is ${pixelsOverLimit(size.width, size.height, size.maxPixels)}.`,
    cause === undefined ? undefined : { cause },
  );
}

/** Refuses a page whose size would make decoding or OCR blow up, with the figures that matter. */
export function checkPageDimensions(width: number, height: number, maxPixels: number, page?: number): void {
  const what = page === undefined ? 'The image' : `Page ${page}`;
  if (width * height > maxPixels) throw tooManyPixels(what, { width, height, maxPixels });
  const size = `${what} is ${width} x ${height} pixels (${megapixels(width * height)})`;
  const long = Math.max(width, height);
  const short = Math.max(1, Math.min(width, height));
  if (long > MAX_PAGE_SIDE) {
    throw new PipelineError(
      'too-many-pixels',
      `${size}: ${long} pixels on its long side is over the limit of ${MAX_PAGE_SIDE} pixels a side.`,
    );
  }
  if (long > MAX_PAGE_ASPECT * short) {
    throw new PipelineError(
      'too-many-pixels',
      `${size}, ${Math.round(long / short)} times as long as it is wide, over the limit of ${MAX_PAGE_ASPECT} times for a page.`,
    );
  }
}

/** The header's size, read without decoding, to word a pixel-limit refusal; null if unreadable. */
async function sizeOf(bytes: Uint8Array | Buffer, maxPixels: number): Promise<PixelSize | null> {
  try {
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    return { width: meta.width, height: meta.pageHeight ?? meta.height, maxPixels };
  } catch {
    return null;
  }
}

function open(bytes: Uint8Array, maxPixels: number, page?: number) {
  return sharp(bytes, {
    limitInputPixels: maxPixels,
    // 'warning' would refuse the many real scans with harmless JPEG warnings ("extraneous bytes").
    failOn: 'truncated',
    ...(page === undefined ? {} : { page }),
  });
}

/**
 * Number of pages (TIFF frames) in an image file; 1 for single-page formats. Everything that
 * can be told from the header is checked here, before a pixel is decoded: a file cut short,
 * an animation, a page over the pixel, side or aspect limits.
 */
export async function imagePageCount(bytes: Uint8Array, limits: Partial<ImageLimits> = {}): Promise<number> {
  // libtiff counts the pages it can find and decodes the first: a cut TIFF would lose pages silently.
  if (imageIntegrity(bytes) === 'truncated') throw truncatedImage('image');
  // libtiff without the codec "decodes" such a page as blank paper, which would go to review empty.
  const compression = undecodableTiffCompression(bytes);
  if (compression) throw undecodableTiff('image', compression);
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw sharpError(e, 'image', { bytes });
  }
  const pages = meta.pages ?? 1;
  if (meta.format === 'webp' && pages > 1) {
    throw new PipelineError(
      'unsupported-type',
      `The file is an animated WebP image (${pages} frames); only still images and multi-page TIFF or PDF scans are read.`,
    );
  }
  checkPageDimensions(meta.width, meta.pageHeight ?? meta.height, limits.maxPixels ?? DEFAULT_MAX_PIXELS);
  return pages;
}

/** Densities that mean "nobody set this": Windows and JFIF defaults. */
const PLACEHOLDER_DPI = new Set([72, 96]);

/** A4 and US Letter page widths in inches, with the aspect ratio that identifies each. */
const PAPER = [
  { name: 'A4', widthIn: 8.27, aspect: 297 / 210 },
  { name: 'Letter', widthIn: 8.5, aspect: 11 / 8.5 },
];

export function inferDpi(width: number, height: number, density: number | undefined): number | null {
  if (density && !PLACEHOLDER_DPI.has(Math.round(density)) && density >= 100 && density <= 2400) {
    return Math.round(density);
  }
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  for (const paper of PAPER) {
    if (Math.abs(long / short - paper.aspect) < 0.015) {
      const dpi = short / paper.widthIn;
      // A full-page scan below 100 dpi is a thumbnail, not a page size worth trusting.
      if (dpi >= 100 && dpi <= 1200) return Math.round(dpi);
    }
  }
  return null;
}

/** One page of an image file, decoded and turned by its EXIF orientation. */
export async function loadImagePage(
  bytes: Uint8Array,
  index = 0,
  limits: Partial<ImageLimits> = {},
): Promise<LoadedImagePage> {
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  let meta: Metadata;
  try {
    // Header only: nothing is decoded yet, so the limit is checked here with a clear message.
    const file = await sharp(bytes, { limitInputPixels: false }).metadata();
    const pages = file.pages ?? 1;
    if (!Number.isInteger(index) || index < 0 || index >= pages) {
      throw new PipelineError('internal-error', `Page ${index + 1} does not exist (the image has ${pages}).`);
    }
    meta = pages > 1 ? await sharp(bytes, { limitInputPixels: false, page: index }).metadata() : file;
  } catch (e) {
    throw sharpError(e, 'image', { bytes });
  }
  checkPageDimensions(meta.width, meta.pageHeight ?? meta.height, maxPixels, index + 1);
  try {
    const { data, info } = await open(bytes, maxPixels, index)
      .autoOrient()
      .png({ compressionLevel: 3 })
      .toBuffer({ resolveWithObject: true });
    return {
      png: data,
      width: info.width,
      height: info.height,
      dpi: inferDpi(info.width, info.height, meta.density),
    };
  } catch (e) {
    throw sharpError(e, 'image', {
      bytes,
      size: { width: meta.width, height: meta.pageHeight ?? meta.height, maxPixels },
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Preprocessing

/** A one-channel 8-bit image in memory. */
interface Gray {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Pixels whose channels differ by more than this are coloured ink: a stamp, a highlighter, a pen. */
const COLOURED = 80;

/**
 * Grayscale for OCR. Printed text is black or grey; a red "PAID" stamp or a blue pen mark
 * across it is coloured, and in plain luminance red is as dark as text. Strongly coloured
 * pixels take their brightest channel instead, which fades such marks towards the paper.
 */
async function toGray(png: Buffer | Uint8Array, maxPixels: number): Promise<Gray> {
  // flatten() first: canvas renders are RGBA and grayscale() alone would keep the alpha channel.
  const flat = sharp(png, { limitInputPixels: maxPixels }).flatten({ background: '#ffffff' });
  const colour = await flat.clone().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (colour.info.channels >= 3) {
    const { width, height, channels } = colour.info;
    const src = colour.data;
    const out = new Uint8Array(width * height);
    for (let i = 0, j = 0; i < out.length; i++, j += channels) {
      const r = src[j]!;
      const g = src[j + 1]!;
      const b = src[j + 2]!;
      const max = Math.max(r, g, b);
      out[i] = max - Math.min(r, g, b) > COLOURED ? max : Math.round(0.2126 * r + 0.7152 * g + 0.0722 * b);
    }
    return { data: out, width, height };
  }
  const { data, info } = await flat.grayscale().raw().toBuffer({ resolveWithObject: true });
  if (info.channels === 1) return { data: new Uint8Array(data), width: info.width, height: info.height };
  const out = new Uint8Array(info.width * info.height);
  for (let i = 0; i < out.length; i++) out[i] = data[i * info.channels]!;
  return { data: out, width: info.width, height: info.height };
}

function rawInput(g: Gray) {
  // Without 'b-w', sharp writes a one-channel raw image out as three-channel sRGB.
  return sharp(g.data, {
    raw: { width: g.width, height: g.height, channels: 1 },
    limitInputPixels: false,
  }).toColourspace('b-w');
}

async function fromSharp(s: Sharp): Promise<Gray> {
  const { data, info } = await s.extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

function histogram(g: Gray): Uint32Array {
  const h = new Uint32Array(256);
  for (const v of g.data) h[v]!++;
  return h;
}

function percentile(hist: Uint32Array, total: number, p: number): number {
  const target = total * p;
  let acc = 0;
  for (let v = 0; v < 256; v++) {
    acc += hist[v]!;
    if (acc >= target) return v;
  }
  return 255;
}

/**
 * Stretches ink to black and paper to white. The black point is held well below the paper,
 * because on a sparse page the 1st percentile is paper noise, and stretching that to black
 * would turn the background into static.
 */
function stretchContrast(g: Gray): { image: Gray; changed: boolean } {
  const hist = histogram(g);
  const total = g.data.length;
  const white = percentile(hist, total, 0.9);
  const black = Math.min(percentile(hist, total, 0.005), Math.max(0, white - 96));
  if (white - black < 32 || (black <= 4 && white >= 250)) return { image: g, changed: false };
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++)
    lut[v] = Math.round(Math.min(255, Math.max(0, ((v - black) * 255) / (white - black))));
  const out = new Uint8Array(total);
  for (let i = 0; i < total; i++) out[i] = lut[g.data[i]!]!;
  return { image: { data: out, width: g.width, height: g.height }, changed: true };
}

export function otsuThreshold(hist: Uint32Array, total: number): number {
  let sum = 0;
  for (let v = 0; v < 256; v++) sum += v * hist[v]!;
  let sumB = 0;
  let wB = 0;
  let best = 0;
  let threshold = 127;
  for (let v = 0; v < 256; v++) {
    wB += hist[v]!;
    if (wB === 0) continue;
    const wF = total - wB;
    if (wF === 0) break;
    sumB += v * hist[v]!;
    const mB = sumB / wB;
    const mF = (sum - sumB) / wF;
    const between = wB * wF * (mB - mF) ** 2;
    if (between > best) {
      best = between;
      threshold = v;
    }
  }
  return threshold;
}

/** A binarised, downscaled copy for measuring; `factor` maps its pixels back to the page's. */
interface Analysis {
  ink: Uint8Array;
  width: number;
  height: number;
  factor: number;
}

const ANALYSIS_MAX_WIDTH = 1200;
const ANALYSIS_MAX_PIXELS = 3_000_000;

async function analysisCopy(g: Gray): Promise<Analysis> {
  const factor = Math.min(
    1,
    ANALYSIS_MAX_WIDTH / g.width,
    Math.sqrt(ANALYSIS_MAX_PIXELS / (g.width * g.height)),
  );
  const small =
    factor < 1
      ? await fromSharp(
          rawInput(g).resize(Math.max(1, Math.round(g.width * factor)), null, { kernel: 'linear' }),
        )
      : g;
  const hist = histogram(small);
  const t = otsuThreshold(hist, small.data.length);
  const ink = new Uint8Array(small.data.length);
  // A blank page has no ink; Otsu would otherwise split paper noise into "ink" and "paper".
  const contrast = percentile(hist, small.data.length, 0.95) - percentile(hist, small.data.length, 0.005);
  if (contrast >= 48) {
    for (let i = 0; i < ink.length; i++) ink[i] = small.data[i]! <= t ? 1 : 0;
  }
  return { ink, width: small.width, height: small.height, factor: small.width / g.width };
}

interface InkPoints {
  xs: Float64Array;
  ys: Float64Array;
}

/** Up to ~150k ink pixels, centred on the image, for projection profiles. */
function inkPoints(a: Analysis): InkPoints | null {
  let inkCount = 0;
  for (const v of a.ink) inkCount += v;
  if (inkCount < 200) return null;
  const stride = Math.max(1, Math.floor(inkCount / 150_000));
  const n = Math.ceil(inkCount / stride);
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  let seen = 0;
  let k = 0;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      if (a.ink[y * a.width + x] && seen++ % stride === 0 && k < n) {
        xs[k] = x - a.width / 2;
        ys[k] = y - a.height / 2;
        k++;
      }
    }
  }
  return { xs: xs.subarray(0, k), ys: ys.subarray(0, k) };
}

/**
 * How strongly ink gathers into rows once the page is turned back by `deg` degrees: the sum
 * of squared row counts, which is largest when text lines coincide with rows.
 */
function profileScore(across: Float64Array, along: Float64Array, deg: number): number {
  const t = (deg * Math.PI) / 180;
  const sin = Math.sin(t);
  const cos = Math.cos(t);
  const rows = new Map<number, number>();
  for (let i = 0; i < along.length; i++) {
    const r = Math.round(along[i]! * cos - across[i]! * sin);
    rows.set(r, (rows.get(r) ?? 0) + 1);
  }
  let sumSq = 0;
  for (const c of rows.values()) sumSq += c * c;
  return sumSq;
}

function bestAngle(
  across: Float64Array,
  along: Float64Array,
  maxAngle: number,
): { angle: number; score: number } {
  let angle = 0;
  let score = profileScore(across, along, 0);
  for (let deg = -maxAngle; deg <= maxAngle + 1e-9; deg += 0.5) {
    const s = profileScore(across, along, deg);
    if (s > score) {
      score = s;
      angle = deg;
    }
  }
  const coarse = angle;
  for (let deg = coarse - 0.4; deg <= coarse + 0.4 + 1e-9; deg += 0.1) {
    const s = profileScore(across, along, deg);
    if (s > score) {
      score = s;
      angle = deg;
    }
  }
  return { angle: Math.round(angle * 10) / 10, score };
}

/**
 * The small skew of text lines, in degrees clockwise, by projection profiles: rows of a
 * straight page alternate between ink and paper, so the row profile is most uneven at the
 * angle that lines the text up with the rows.
 */
function estimateSkew(a: Analysis, maxAngle = 10): number {
  const pts = inkPoints(a);
  if (!pts) return 0;
  const flat = profileScore(pts.xs, pts.ys, 0);
  const best = bestAngle(pts.xs, pts.ys, maxAngle);
  // Pictures and blank pages have flat profiles: a marginal gain is noise, not skew.
  if (best.score < flat * 1.03) return 0;
  return best.angle;
}

/** A blob of ink the size and shape of a character, in analysis-copy pixels. */
interface Glyph {
  cx: number;
  cy: number;
  w: number;
  h: number;
}

/** Connected components (4-connected) that look like characters: not specks, rules or pictures. */
function findGlyphs(a: Analysis): Glyph[] {
  const { ink, width, height } = a;
  const { boxes } = components((i) => ink[i] !== 0, width, height, false);
  const glyphs: Glyph[] = [];
  const limit = Math.min(width, height) / 6;
  for (let b = 0; b < boxes.length; b += 5) {
    const [x0, y0, x1, y1, area] = [boxes[b]!, boxes[b + 1]!, boxes[b + 2]!, boxes[b + 3]!, boxes[b + 4]!];
    const h = y1 - y0 + 1;
    const w = x1 - x0 + 1;
    if (Math.max(w, h) < 3 || area < 6) continue;
    if (h > limit || w > limit || w > 6 * h || h > 6 * w) continue;
    if (area > 0.95 * w * h && w * h > 25) continue;
    glyphs.push({ cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, w, h });
  }
  return glyphs;
}

/**
 * Median character height in page pixels: the measure of how large the text is, whatever the
 * file claims its resolution to be. For a page on its side this is the character width,
 * which is close enough to pick a scale.
 */
function estimateCharHeight(glyphs: Glyph[], a: Analysis): number | null {
  if (glyphs.length < 10) return null;
  return median(glyphs.map((g) => g.h)) / a.factor;
}

/**
 * Whether text lines run across the page or up it, from where each character's nearest
 * neighbour lies (letters of a word sit side by side; lines are further apart than letters).
 * This separates {0°, 180°} from {90°, 270°} far more reliably than OSD does on small print.
 */
function textAxis(glyphs: Glyph[]): 'horizontal' | 'vertical' | 'unknown' {
  if (glyphs.length < 20) return 'unknown';
  const size = median(glyphs.map((g) => Math.max(g.w, g.h)));
  const cell = Math.max(4, size * 2);
  const grid = new Map<string, Glyph[]>();
  const key = (x: number, y: number) => `${Math.floor(x / cell)},${Math.floor(y / cell)}`;
  for (const g of glyphs) {
    const k = key(g.cx, g.cy);
    const list = grid.get(k);
    if (list) list.push(g);
    else grid.set(k, [g]);
  }
  let across = 0;
  let up = 0;
  for (const g of glyphs) {
    const gx = Math.floor(g.cx / cell);
    const gy = Math.floor(g.cy / cell);
    let best = Number.POSITIVE_INFINITY;
    let dx = 0;
    let dy = 0;
    for (let i = gx - 1; i <= gx + 1; i++) {
      for (let j = gy - 1; j <= gy + 1; j++) {
        for (const o of grid.get(`${i},${j}`) ?? []) {
          if (o === g) continue;
          const d = (o.cx - g.cx) ** 2 + (o.cy - g.cy) ** 2;
          if (d < best) {
            best = d;
            dx = o.cx - g.cx;
            dy = o.cy - g.cy;
          }
        }
      }
    }
    if (best === Number.POSITIVE_INFINITY) continue;
    if (Math.abs(dx) > Math.abs(dy) * 1.5) across++;
    else if (Math.abs(dy) > Math.abs(dx) * 1.5) up++;
  }
  const votes = across + up;
  if (votes < 15) return 'unknown';
  if (across / votes >= 0.65) return 'horizontal';
  if (up / votes >= 0.65) return 'vertical';
  return 'unknown';
}

/**
 * Ruled lines on their own are erased before OCR: dotted and dashed underlines under form
 * answers, dashed separators between table rows, the frames of a form's boxes. Tesseract's
 * one-block mode reads them as a row of text, and glues that row to the words above it
 * ("Handling fee" read as "J I Ly a a Ea"). A rule is a long, straight run of ink only a
 * stroke thick, with paper on both sides of it: the tops of a row of letters are as thin, but
 * the letters' bodies lie right under them. Strokes of letters that cross a rule are thicker
 * across it than the rule, so they are kept.
 */
function removeRules(g: Gray, charHeight: number): { image: Gray; removed: number } {
  const { width, height } = g;
  const hist = histogram(g);
  const threshold = otsuThreshold(hist, g.data.length);
  // A page without contrast has no ink to tell rules from.
  if (percentile(hist, g.data.length, 0.95) - percentile(hist, g.data.length, 0.005) < 48) {
    return { image: g, removed: 0 };
  }
  // Most of a page is paper: the median is its shade, which erased rules are painted with.
  const paper = percentile(hist, g.data.length, 0.5);
  // Dotted underlines are often printed grey: halfway to the paper still counts as ink here.
  const light = Math.round((threshold + paper) / 2);
  // Each direction reads what the one before left, so where a box's lines cross, the vertical
  // pass finds the corner free of the horizontal line and takes it with its own.
  let src = g.data;
  const ink = (i: number) => src[i]! <= light;
  const maxThick = Math.min(255, Math.max(2, Math.round(0.25 * charHeight)));
  const band = Math.max(2, Math.round(0.25 * charHeight));
  const out = new Uint8Array(g.data);
  let removed = 0;

  /**
   * One direction: `along` runs the length of a rule, `across` its thickness. `at(a, c)` is
   * the pixel index. Thin pixels (ink whose run across is at most maxThick) are grouped along
   * each line with gaps up to `maxGap`; a group long and full enough, with little ink in the
   * bands either side, is erased with the thin run it sits on.
   */
  const sweep = (
    alongLen: number,
    acrossLen: number,
    at: (a: number, c: number) => number,
    minLen: number,
    maxGap: number,
    minFill: number,
  ) => {
    src = out.slice();
    // Thickness of the ink run across each pixel, and where it starts.
    const runStart = new (acrossLen > 32_767 ? Int32Array : Int16Array)(alongLen * acrossLen).fill(-1);
    const runLen = new Uint8Array(alongLen * acrossLen);
    for (let a = 0; a < alongLen; a++) {
      let c = 0;
      while (c < acrossLen) {
        if (!ink(at(a, c))) {
          c++;
          continue;
        }
        const start = c;
        while (c < acrossLen && ink(at(a, c))) c++;
        const len = c - start;
        if (len > maxThick) continue;
        for (let k = start; k < c; k++) {
          runStart[k * alongLen + a] = start;
          runLen[k * alongLen + a] = len;
        }
      }
    }
    const density = (from: number, to: number, c0: number, c1: number) => {
      let n = 0;
      let total = 0;
      for (let c = Math.max(0, c0); c < Math.min(acrossLen, c1); c++) {
        for (let a = from; a < to; a++) {
          total++;
          if (ink(at(a, c))) n++;
        }
      }
      return total ? n / total : 0;
    };
    for (let c = 0; c < acrossLen; c++) {
      const row = c * alongLen;
      let a = 0;
      while (a < alongLen) {
        if (runLen[row + a] === 0) {
          a++;
          continue;
        }
        const from = a;
        let last = a;
        let filled = 0;
        let top = acrossLen;
        let bottom = 0;
        for (; a < alongLen && a - last <= maxGap; a++) {
          if (runLen[row + a] === 0) continue;
          last = a;
          filled++;
          top = Math.min(top, runStart[row + a]!);
          bottom = Math.max(bottom, runStart[row + a]! + runLen[row + a]!);
        }
        const to = last + 1;
        if (to - from < minLen || filled < minFill * (to - from)) continue;
        const before = density(from, to, top - 1 - band, top - 1);
        const after = density(from, to, bottom + 1, bottom + 1 + band);
        if (Math.max(before, after) > 0.12) continue;
        // Across the rule and a margin for its blurred edge, everything but the ink of
        // letters crossing it (thicker than a rule) becomes paper: the page's paper shade,
        // since a white stripe on grey paper has edges of its own.
        const pad = Math.max(1, Math.round(maxThick / 2));
        for (let k = from; k < to; k++) {
          let cc = Math.max(0, top - pad);
          const end = Math.min(acrossLen, bottom + pad);
          while (cc < end) {
            const i = at(k, cc);
            if (!ink(i)) {
              if (out[i] !== paper) {
                out[i] = paper;
                removed++;
              }
              cc++;
              continue;
            }
            let e = cc;
            while (e < acrossLen && ink(at(k, e))) e++;
            let b = cc;
            while (b > 0 && ink(at(k, b - 1))) b--;
            if (e - b <= maxThick + 2 * pad) {
              for (let x = cc; x < Math.min(e, end); x++) {
                out[at(k, x)] = paper;
                removed++;
              }
            }
            cc = e;
          }
        }
        // This rule is done; the rows of its thickness would find it again.
        for (let cc = top; cc < bottom; cc++) runLen.fill(0, cc * alongLen + from, cc * alongLen + to);
      }
    }
  };
  // Horizontal rules: dashes and dots leave gaps, so up to half a character is bridged.
  sweep(
    width,
    height,
    (x, y) => y * width + x,
    Math.round(6 * charHeight),
    Math.round(0.5 * charHeight),
    0.3,
  );
  // Vertical frame lines are solid; longer than any letter's stem, even in a heading.
  sweep(
    height,
    width,
    (y, x) => y * width + x,
    Math.round(4 * charHeight),
    Math.round(0.2 * charHeight),
    0.8,
  );
  return { image: { data: out, width, height }, removed };
}

/**
 * Scanner speckle is erased before OCR: the halftone dots of a grey scanner bed or a dithered
 * background, and the stippled shadow along a receipt's edge. Tesseract reads such fields as
 * rows of junk ("x nE % 5") and glues junk onto the real line beside them ("ows. PAGOH REST").
 * A speck is a blob of ink far smaller than a character with no larger blob within a
 * character's height of it; full stops, commas and the dots of "i" all sit beside or over a
 * letter, or a piece of one where a faded print broke it, so they are kept. Wide blobs of
 * sparse ink (stipple run together) go with them.
 */
function removeSpeckle(g: Gray, charHeight: number): { image: Gray; removed: number } {
  const { width, height } = g;
  const hist = histogram(g);
  if (percentile(hist, g.data.length, 0.95) - percentile(hist, g.data.length, 0.005) < 48) {
    return { image: g, removed: 0 };
  }
  const threshold = otsuThreshold(hist, g.data.length);
  const paper = percentile(hist, g.data.length, 0.5);
  const { labels, boxes } = components((i) => g.data[i]! <= threshold, width, height, true);
  const n = boxes.length / 5;
  const speckMax = Math.max(2, Math.round(0.3 * charHeight));
  const wide = 6 * charHeight;
  // Blobs larger than a speck marked on a grid of one character height, to find a speck's neighbours.
  const cell = Math.max(4, Math.round(charHeight));
  const gw = Math.ceil(width / cell);
  const gh = Math.ceil(height / cell);
  const glyphCells = new Uint8Array(gw * gh);
  const kind = new Uint8Array(n); // 0 keep, 1 speck, 2 stipple blob
  for (let c = 0; c < n; c++) {
    const x0 = boxes[c * 5]!;
    const y0 = boxes[c * 5 + 1]!;
    const x1 = boxes[c * 5 + 2]!;
    const y1 = boxes[c * 5 + 3]!;
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    if (Math.max(w, h) <= speckMax) kind[c] = 1;
    else if (w > wide && h > wide && boxes[c * 5 + 4]! < 0.3 * w * h) kind[c] = 2;
    else if (h <= 4 * charHeight) {
      for (let gy = Math.floor(y0 / cell); gy <= Math.floor(y1 / cell); gy++)
        for (let gx = Math.floor(x0 / cell); gx <= Math.floor(x1 / cell); gx++) glyphCells[gy * gw + gx] = 1;
    }
  }
  const centre = (c: number) => ({
    x: (boxes[c * 5]! + boxes[c * 5 + 2]!) / 2,
    y: (boxes[c * 5 + 1]! + boxes[c * 5 + 3]!) / 2,
  });
  const specksIn = new Map<number, number[]>();
  for (let c = 0; c < n; c++) {
    if (kind[c] !== 1) continue;
    const { x, y } = centre(c);
    const key = Math.floor(y / cell) * gw + Math.floor(x / cell);
    specksIn.set(key, [...(specksIn.get(key) ?? []), c]);
  }
  for (let c = 0; c < n; c++) {
    if (kind[c] !== 1) continue;
    const { x, y } = centre(c);
    const cx = Math.floor(x / cell);
    const cy = Math.floor(y / cell);
    let near = false;
    const around: number[] = [];
    for (let gy = Math.max(0, cy - 1); gy <= Math.min(gh - 1, cy + 1); gy++) {
      for (let gx = Math.max(0, cx - 1); gx <= Math.min(gw - 1, cx + 1); gx++) {
        near ||= glyphCells[gy * gw + gx] === 1;
        for (const o of specksIn.get(gy * gw + gx) ?? []) if (o !== c) around.push(o);
      }
    }
    // A colon stands alone between a label and its value: two specks, one over the other,
    // with no field of others around them as stipple has.
    const colon =
      around.length <= 3 &&
      around.some((o) => {
        const p = centre(o);
        const dy = Math.abs(p.y - y);
        return Math.abs(p.x - x) <= 0.3 * charHeight && dy >= 0.15 * charHeight && dy <= 1.2 * charHeight;
      });
    if (near || colon) kind[c] = 0;
  }
  const out = new Uint8Array(g.data);
  let removed = 0;
  const counted = new Uint8Array(n);
  for (let i = 0; i < out.length; i++) {
    const l = labels[i]!;
    if (l === 0 || kind[l - 1] === 0) continue;
    out[i] = paper;
    if (!counted[l - 1]) {
      counted[l - 1] = 1;
      removed++;
    }
  }
  return { image: { data: out, width, height }, removed };
}

/**
 * Connected blobs of the pixels `isInk` picks, 4-connected or, with `diagonal`, 8-connected.
 * `labels` holds each pixel's blob number plus one (0 for paper); `boxes` five numbers a blob:
 * x0, y0, x1, y1, pixel count, in the order of each blob's first pixel.
 */
function components(
  isInk: (i: number) => boolean,
  width: number,
  height: number,
  diagonal: boolean,
): { labels: Int32Array; boxes: Int32Array } {
  const labels = new Int32Array(width * height);
  const parent: number[] = [0];
  const find = (x: number): number => {
    let r = x;
    while (parent[r] !== r) r = parent[r]!;
    while (parent[x] !== r) {
      const next = parent[x]!;
      parent[x] = r;
      x = next;
    }
    return r;
  };
  const union = (a: number, b: number): number => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
    return Math.min(ra, rb);
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!isInk(i)) continue;
      let l = 0;
      const take = (j: number) => {
        const m = labels[j]!;
        if (m) l = l ? union(l, m) : m;
      };
      if (x > 0) take(i - 1);
      if (y > 0) {
        take(i - width);
        if (diagonal && x > 0) take(i - width - 1);
        if (diagonal && x < width - 1) take(i - width + 1);
      }
      if (!l) {
        l = parent.length;
        parent.push(l);
      }
      labels[i] = l;
    }
  }
  // Compact the roots to 1..n and gather each blob's box.
  const compact = new Int32Array(parent.length);
  let n = 0;
  for (let r = 1; r < parent.length; r++) if (find(r) === r) compact[r] = ++n;
  const boxes = new Int32Array(n * 5);
  for (let c = 0; c < n; c++) {
    boxes[c * 5] = width;
    boxes[c * 5 + 1] = height;
    boxes[c * 5 + 2] = -1;
    boxes[c * 5 + 3] = -1;
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!labels[i]) continue;
      const c = compact[find(labels[i]!)]!;
      labels[i] = c;
      const b = (c - 1) * 5;
      if (x < boxes[b]!) boxes[b] = x;
      if (y < boxes[b + 1]!) boxes[b + 1] = y;
      if (x > boxes[b + 2]!) boxes[b + 2] = x;
      if (y > boxes[b + 3]!) boxes[b + 3] = y;
      boxes[b + 4]!++;
    }
  }
  return { labels, boxes };
}

/**
 * Height in pixels that a median character blob should have for tesseract: about what 10 pt
 * text has at 300 dpi (x-height ~21 px, capitals ~29 px).
 */
export const TARGET_CHAR_HEIGHT = 26;
const MAX_UPSCALE = 3;
/** Pages with much larger text are shrunk only when it is worth it: OCR time grows with pixels. */
const DOWNSCALE_ABOVE = 2.2;

export function chooseScale(
  charHeight: number | null,
  dpi: number | null,
  width: number,
  height: number,
  maxOutputPixels: number,
  target = TARGET_CHAR_HEIGHT,
): number {
  let scale = 1;
  if (charHeight !== null) {
    const wanted = target / charHeight;
    if (wanted > 1.15) scale = Math.min(MAX_UPSCALE, wanted);
    else if (wanted < 1 / DOWNSCALE_ABOVE) scale = Math.max(0.5, wanted * 1.2);
  } else if (dpi !== null && dpi < 250) {
    scale = Math.min(MAX_UPSCALE, 300 / dpi);
  }
  const capped = Math.min(scale, Math.sqrt(maxOutputPixels / (width * height)));
  return Math.round(capped * 100) / 100;
}

/** The crop used to compare orientations: the page's middle, which a half turn maps onto itself. */
const TRIAL_MAX_PIXELS = 900_000;

async function trialImage(page: Gray, rotation: Rotation, charHeight: number | null): Promise<Buffer> {
  const turned = rotation === 0 ? page : await fromSharp(rawInput(page).rotate(rotation));
  const scale = charHeight ? Math.min(MAX_UPSCALE, Math.max(0.5, TARGET_CHAR_HEIGHT / charHeight)) : 1;
  const bandHeight = Math.max(
    1,
    Math.min(
      turned.height,
      Math.round(Math.max(turned.height * 0.3, TRIAL_MAX_PIXELS / (turned.width * scale * scale))),
    ),
  );
  const top = Math.max(0, Math.floor((turned.height - bandHeight) / 2));
  return rawInput(turned)
    .extract({ left: 0, top, width: turned.width, height: Math.min(bandHeight, turned.height - top) })
    .resize(Math.max(1, Math.round(turned.width * scale)), null, { kernel: 'cubic' })
    .png({ compressionLevel: 1 })
    .toBuffer();
}

interface OrientationChoice {
  rotation: Rotation;
  /** How it was decided, for the steps log. */
  how: string;
}

/**
 * Decides which way up the page is. The text axis from character neighbours narrows it to
 * {0, 180} or {90, 270}; OSD picks within that; when OSD proposes anything but "as is", or the
 * axis says the page is on its side, both candidates are read and the more legible one wins,
 * because OSD on small receipt print is confidently wrong about one page in six.
 */
async function chooseRotation(
  page: Gray,
  glyphs: Glyph[],
  charHeight: number | null,
  options: PreprocessOptions,
): Promise<OrientationChoice> {
  const axis = textAxis(glyphs);
  let osdAnswer: Promise<Rotation | null> | null = null;
  const askOsd = (): Promise<Rotation | null> => {
    osdAnswer ??= (async () => {
      const detect = options.osd;
      if (!detect) return null;
      // OSD reads character shapes; ~1600 px on the long side is plenty and keeps it fast.
      const f = Math.min(1, 1600 / Math.max(page.width, page.height));
      const input = await (f < 1 ? rawInput(page).resize(Math.round(page.width * f), null) : rawInput(page))
        .png({ compressionLevel: 1 })
        .toBuffer();
      const osd = await detect(input);
      return osd.confidence >= (options.minOsdConfidence ?? 1) ? osd.rotation : null;
    })();
    return osdAnswer;
  };
  const osdRotation = axis === 'vertical' ? null : await askOsd();
  // OSD's "as is" carries no weight against the character-neighbour axis; its "turn it" does.
  let candidates: Rotation[];
  if (axis === 'vertical') candidates = [90, 270];
  else if (osdRotation === null || osdRotation === 0) return { rotation: 0, how: 'as-is' };
  else if (axis === 'horizontal') candidates = osdRotation === 180 ? [0, 180] : [0];
  else candidates = [0, osdRotation];
  if (candidates.length === 1) return { rotation: 0, how: 'as-is' };
  const tieBreak = async (): Promise<Rotation> => {
    const osd = axis === 'vertical' ? await askOsd() : osdRotation;
    return osd !== null && candidates.includes(osd) ? osd : candidates[0]!;
  };
  if (!options.readability) return { rotation: await tieBreak(), how: 'osd' };

  const scores: number[] = [];
  for (const r of candidates) scores.push(await options.readability(await trialImage(page, r, charHeight)));
  const [a, b] = scores as [number, number];
  if (Math.abs(a - b) < 0.03) return { rotation: await tieBreak(), how: 'osd' };
  return { rotation: a > b ? candidates[0]! : candidates[1]!, how: 'legibility' };
}

/**
 * Makes a page ready for OCR: grayscale on white, contrast stretched, turned upright, small
 * skew removed, and resized so that characters are about the size tesseract reads best.
 */
export async function preprocess(
  png: Buffer | Uint8Array,
  options: PreprocessOptions,
): Promise<PreprocessedPage> {
  const maxOutputPixels = options.maxOutputPixels ?? 24_000_000;
  const skip = new Set(options.skip ?? []);
  const steps: string[] = [];
  let rotation: Rotation = 0;
  let deskewAngle = 0;

  let page: Gray;
  try {
    page = await toGray(png, options.maxInputPixels ?? DEFAULT_MAX_PIXELS);
  } catch (e) {
    throw sharpError(e, 'page image', {
      size: await sizeOf(png, options.maxInputPixels ?? DEFAULT_MAX_PIXELS),
    });
  }
  steps.push('grayscale');
  const stretched = stretchContrast(page);
  page = stretched.image;
  if (stretched.changed) steps.push('contrast');

  let analysis = await analysisCopy(page);
  let glyphs = findGlyphs(analysis);

  if (!skip.has('orient') && (options.osd || options.readability)) {
    const choice = await chooseRotation(page, glyphs, estimateCharHeight(glyphs, analysis), options);
    if (choice.rotation !== 0) {
      rotation = choice.rotation;
      page = await fromSharp(rawInput(page).rotate(rotation));
      steps.push(`rotate-${rotation}-by-${choice.how}`);
      analysis = await analysisCopy(page);
    }
  }

  if (!skip.has('deskew')) {
    const angle = estimateSkew(analysis);
    if (Math.abs(angle) >= 0.2) {
      deskewAngle = angle;
      page = await fromSharp(rawInput(page).rotate(-angle, { background: '#ffffff' }));
      steps.push(`deskew-${angle}`);
      analysis = await analysisCopy(page);
    }
  }
  if (rotation !== 0 || deskewAngle !== 0) glyphs = findGlyphs(analysis);

  let scale = 1;
  const charHeight = estimateCharHeight(glyphs, analysis);
  if (!skip.has('rules') && charHeight !== null) {
    const ruled = removeRules(page, charHeight);
    if (ruled.removed > 0) {
      page = ruled.image;
      steps.push('remove-rules');
    }
  }
  if (!skip.has('speckle') && charHeight !== null) {
    const cleaned = removeSpeckle(page, charHeight);
    if (cleaned.removed > 0) {
      page = cleaned.image;
      steps.push('remove-speckle');
    }
  }
  if (!skip.has('upscale')) {
    scale =
      options.forceScale ??
      chooseScale(
        charHeight,
        options.dpi,
        page.width,
        page.height,
        maxOutputPixels,
        options.targetCharHeight,
      );
    if (scale !== 1) {
      const width = Math.max(1, Math.round(page.width * scale));
      page = await fromSharp(
        rawInput(page).resize(width, null, { kernel: scale > 1 ? 'cubic' : 'lanczos3' }),
      );
      steps.push(`${scale > 1 ? 'upscale' : 'downscale'}-${scale}`);
    }
  }

  const dpi =
    options.dpi !== null
      ? Math.round(options.dpi * scale)
      : charHeight !== null
        ? Math.round((300 * charHeight * scale) / TARGET_CHAR_HEIGHT)
        : Math.round(300 * scale);
  const out = await rawInput(page).png({ compressionLevel: 3 }).withDensity(dpi).toBuffer();
  return {
    png: out,
    width: page.width,
    height: page.height,
    dpi,
    info: { rotation, deskewAngle, scale, steps },
  };
}

/**
 * The same page turned half way round. For a second opinion after OCR: a page read upright
 * with low confidence may be upside down, and this costs no resampling.
 */
export async function turnHalf(page: PreprocessedPage): Promise<PreprocessedPage> {
  const png = await sharp(page.png).rotate(180).png({ compressionLevel: 3 }).withDensity(page.dpi).toBuffer();
  const rotation = ((page.info.rotation + 180) % 360) as Rotation;
  return {
    ...page,
    png,
    info: { ...page.info, rotation, steps: [...page.info.steps, 'rotate-180-after-ocr'] },
  };
}
