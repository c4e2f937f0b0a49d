import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import type { Rng } from './prng.ts';
import { rasterise } from './raster.ts';

/**
 * Turns a clean PDF into what a scanner or a phone would hand over: a slightly turned,
 * noisy, unevenly lit greyscale page, sometimes upside down or sideways, in one of the
 * file formats offices actually receive.
 */

export type ScanFormat = 'jpeg' | 'png' | 'tiff' | 'webp' | 'pdf';

export const SCAN_EXTENSION: Record<ScanFormat, string> = {
  jpeg: 'jpg',
  png: 'png',
  tiff: 'tif',
  webp: 'webp',
  pdf: 'pdf',
};

export interface ScanSettings {
  dpi: number;
  /** Small skew in degrees, clockwise. */
  skew: number;
  /** The page went in sideways or upside down: clockwise degrees a reader must undo. */
  turn: 0 | 90 | 180 | 270;
  /** Standard deviation of sensor noise, grey levels. */
  noise: number;
  /** Gaussian blur sigma in pixels at the scan resolution; 0 for none. */
  blur: number;
  /** Grey level of blank paper (255 = white). */
  paper: number;
  /** Fraction by which the lighting falls off across the page. */
  unevenness: number;
  /** Ink density: 1 prints black, 0.6 prints a washed-out grey. */
  ink: number;
  /** JPEG / WebP quality. */
  quality: number;
}

export interface ScanProfile {
  degraded?: boolean;
  turn?: ScanSettings['turn'];
  /** Some formats cap the resolution to stay small (committed inbox files). */
  maxDpi?: number;
}

export function scanSettings(rng: Rng, profile: ScanProfile = {}): ScanSettings {
  const sign = rng.chance(0.5) ? -1 : 1;
  if (profile.degraded) {
    // Fax-grade: low resolution, heavy blur and noise, faded ink, crushed JPEG.
    return {
      dpi: 120,
      skew: sign * rng.float(2.5, 4),
      turn: profile.turn ?? 0,
      noise: 20,
      blur: 1.1,
      paper: 205,
      unevenness: 0.3,
      ink: 0.6,
      quality: 20,
    };
  }
  const dpis = [200, 240, 300].filter((d) => d <= (profile.maxDpi ?? 300));
  return {
    dpi: rng.pick(dpis.length ? dpis : [200]),
    skew: sign * rng.float(0.5, 3),
    turn: profile.turn ?? 0,
    noise: rng.float(2.5, 6),
    blur: rng.float(0.5, 0.9),
    paper: rng.int(228, 246),
    unevenness: rng.float(0.03, 0.12),
    ink: rng.float(0.82, 0.97),
    quality: rng.int(55, 72),
  };
}

interface GreyPage {
  data: Buffer;
  width: number;
  height: number;
}

/** Renders and degrades every page; returns single-channel pixels, turned as scanned. */
export async function scanPages(pdf: Uint8Array, s: ScanSettings, rng: Rng): Promise<GreyPage[]> {
  const pages = await rasterise(pdf, s.dpi);
  const out: GreyPage[] = [];
  for (const page of pages) {
    const turned = await greyRaw(
      sharp(page.png).flatten({ background: '#ffffff' }).rotate(s.skew, { background: '#ffffff' }),
    );
    // Rotation grows the canvas; a scanner's bed does not, so cut back to the page size.
    const left = Math.floor((turned.width - page.width) / 2);
    const top = Math.floor((turned.height - page.height) / 2);
    const size = { width: page.width, height: page.height };
    const cropped = await greyRaw(fromGrey(turned).extract({ left, top, ...size }));
    // Blur after the noise, as optics and sensor smear both: it also keeps the files small.
    let img: ReturnType<typeof sharp> = fromGrey({
      ...size,
      data: degrade(cropped.data, page.width, page.height, s, rng),
    });
    if (s.blur > 0.3) img = img.blur(s.blur);
    if (s.turn !== 0) img = img.rotate(s.turn);
    out.push(await greyRaw(img));
  }
  return out;
}

function fromGrey(p: GreyPage) {
  return sharp(p.data, { raw: { width: p.width, height: p.height, channels: 1 } });
}

/** Raw single-channel pixels; without 'b-w' sharp hands one-band input back as sRGB. */
async function greyRaw(img: ReturnType<typeof sharp>): Promise<GreyPage> {
  const { data, info } = await img.toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`expected one channel, got ${info.channels}`);
  return { data, width: info.width, height: info.height };
}

/**
 * Paper tone, lighting falloff, ink density and noise in one pass. Noise comes from a table
 * of Gaussian samples indexed by a fast integer hash: drawing 9 million samples from the
 * seeded generator one by one would be slow, and the table keeps it deterministic.
 */
function degrade(src: Buffer, width: number, height: number, s: ScanSettings, rng: Rng): Buffer {
  const table = new Float32Array(8192);
  for (let i = 0; i < table.length; i++) table[i] = rng.gauss() * s.noise;
  const gx = rng.float(-1, 1);
  const gy = rng.float(-1, 1);
  const norm = Math.abs(gx) + Math.abs(gy) || 1;
  let state = rng.int(1, 0x7fffffff);
  const out = Buffer.alloc(src.length);
  for (let y = 0; y < height; y++) {
    const fy = y / height;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const fx = x / width;
      const light =
        1 -
        s.unevenness *
          (((gx >= 0 ? fx : 1 - fx) * Math.abs(gx) + (gy >= 0 ? fy : 1 - fy) * Math.abs(gy)) / norm);
      const darkness = 1 - (src[i] as number) / 255;
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      const v = s.paper * light * (1 - s.ink * darkness) + (table[(state >>> 0) & 8191] as number);
      out[i] = Math.min(255, Math.max(0, v));
    }
  }
  return out;
}

export interface EncodedScan {
  bytes: Buffer;
  pages: number;
  /** The JPEG/WebP quality finally used, after fitting the size budget. */
  quality: number;
}

/** Formats that hold a single page: a multi-page document must not be written to them. */
export const SINGLE_PAGE_FORMATS: readonly ScanFormat[] = ['jpeg', 'png', 'webp'];

/**
 * Writes the pages in `format`. Lossy formats step their quality down until the file fits
 * `maxBytes`, the way a scanner's "small file" setting would, so committed samples stay small.
 */
export async function encodeScan(
  pages: GreyPage[],
  format: ScanFormat,
  s: ScanSettings,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<EncodedScan> {
  if (pages.length > 1 && SINGLE_PAGE_FORMATS.includes(format)) {
    throw new Error(`${format} holds one page; this document has ${pages.length}`);
  }
  let quality = s.quality;
  for (;;) {
    const bytes = await encodeOnce(pages, format, s, quality);
    const lossy = format === 'jpeg' || format === 'webp' || format === 'pdf';
    if (bytes.length <= maxBytes || !lossy || quality <= 30) return { bytes, pages: pages.length, quality };
    quality -= 6;
  }
}

async function encodeOnce(
  pages: GreyPage[],
  format: ScanFormat,
  s: ScanSettings,
  quality: number,
): Promise<Buffer> {
  const first = pages[0] as GreyPage;
  const raw = (p: GreyPage) => fromGrey(p).toColourspace('b-w');
  // withDensity, not withMetadata({density}): the latter also converts the page to sRGB.
  switch (format) {
    case 'jpeg':
      return raw(first).withDensity(s.dpi).jpeg({ quality, mozjpeg: true }).toBuffer();
    case 'webp': {
      // WebP has no resolution field of its own; EXIF carries it, as cameras write it.
      const res = `${s.dpi}/1`;
      const exif = { IFD0: { XResolution: res, YResolution: res, ResolutionUnit: '2' } };
      return raw(first).withExif(exif).webp({ quality }).toBuffer();
    }
    case 'png':
      // Office scanners clip the paper to white ("background removal"), which is also what
      // keeps a lossless page small: only the ink edges carry noise.
      return raw(first)
        .linear(255 / (s.paper * (1 - s.unevenness) - 3 * s.noise), 0)
        .withDensity(s.dpi)
        .png({ compressionLevel: 9, palette: true, colours: 16, dither: 0 })
        .toBuffer();
    case 'tiff':
      return tiff(pages, s);
    case 'pdf':
      return imagePdf(pages, s, quality);
  }
}

/** Bilevel CCITT G4, the classic document-scanner TIFF; several pages become one file. */
async function tiff(pages: GreyPage[], s: ScanSettings): Promise<Buffer> {
  // Set against the darkest paper the lighting leaves, so faint grey print survives.
  const level = Math.round(s.paper * (1 - s.unevenness) * 0.8);
  const bilevel = await Promise.all(pages.map((p) => fromGrey(p).threshold(level).png().toBuffer()));
  const input = bilevel.length === 1 ? bilevel[0] : bilevel;
  const img = Array.isArray(input) ? sharp(input, { join: { animated: true } }) : sharp(input);
  return img
    .toColourspace('b-w')
    .withDensity(s.dpi)
    .tiff({ compression: 'ccittfax4', bitdepth: 1 })
    .toBuffer();
}

/** A "scanned PDF": each page a JPEG, no text layer, page size from pixels and DPI. */
async function imagePdf(pages: GreyPage[], s: ScanSettings, quality: number): Promise<Buffer> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  for (const p of pages) {
    const jpeg = await fromGrey(p).toColourspace('b-w').jpeg({ quality, mozjpeg: true }).toBuffer();
    const image = await doc.embedJpg(jpeg);
    const w = (p.width / s.dpi) * 72;
    const h = (p.height / s.dpi) * 72;
    doc.addPage([w, h]).drawImage(image, { x: 0, y: 0, width: w, height: h });
  }
  // A scanner stamps the time of the scan; a fixed stamp keeps the bytes reproducible.
  const fixed = new Date(Date.UTC(2024, 0, 1));
  doc.setProducer('Paperline sample generator (scan)');
  doc.setCreator('Scanner');
  doc.setCreationDate(fixed);
  doc.setModificationDate(fixed);
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}
