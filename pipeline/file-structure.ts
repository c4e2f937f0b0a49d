/**
 * What a file's own structure says about it, read from the bytes without decoding: whether it
 * is cut short (the structure is sound up to where the bytes stop) or damaged (the structure
 * is wrong somewhere). Decoders only say "failed"; a clerk needs to know whether to ask for
 * the upload again or for a new copy of the document, and never a library's words.
 */

/** `complete`: the structure is whole (a decode failure then means damaged data inside it). */
export type Integrity = 'complete' | 'truncated' | 'malformed';

const latin1 = (b: Uint8Array, from: number, to: number) =>
  Buffer.from(b.subarray(from, to)).toString('latin1');

/** The integrity of an image file by its magic bytes; null for formats not checked here. */
export function imageIntegrity(b: Uint8Array): Integrity | null {
  if (b[0] === 0x89 && latin1(b, 1, 4) === 'PNG') return pngIntegrity(b);
  if (b[0] === 0xff && b[1] === 0xd8) return jpegIntegrity(b);
  if (latin1(b, 0, 4) === 'RIFF') return webpIntegrity(b);
  if (latin1(b, 0, 2) === 'II' || latin1(b, 0, 2) === 'MM') return tiffIntegrity(b);
  return null;
}

/** Walks a PNG's chunks: a sound chain that stops before IEND is cut short. */
export function pngIntegrity(b: Uint8Array): Integrity {
  const view = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  let at = 8;
  let first = true;
  while (at + 8 <= b.length) {
    const length = view.readUInt32BE(at);
    const type = latin1(b, at + 4, at + 8);
    if (!/^[A-Za-z]{4}$/.test(type) || length > 0x7fffffff) return 'malformed';
    if (first && (type !== 'IHDR' || length !== 13)) return 'malformed';
    // A PNG declaring no width or height has no pixels to be missing: it is wrong, not cut.
    if (
      first &&
      at + 16 <= b.length &&
      (view.readUInt32BE(at + 8) === 0 || view.readUInt32BE(at + 12) === 0)
    ) {
      return 'malformed';
    }
    first = false;
    if (type === 'IEND') return 'complete';
    at += 12 + length;
  }
  return 'truncated';
}

/** Markers that may come between SOI and the image data of a JPEG. */
function isJpegHeaderMarker(m: number): boolean {
  return (
    (m >= 0xe0 && m <= 0xef) || // APPn
    (m >= 0xc0 && m <= 0xcf) || // SOFn, DHT, DAC
    m === 0xdb || // DQT
    m === 0xdd || // DRI
    m === 0xfe || // COM
    m === 0xda // SOS
  );
}

/** Walks a JPEG's header segments to the image data, then looks for the end-of-image marker. */
export function jpegIntegrity(b: Uint8Array): Integrity {
  let at = 2;
  while (at + 1 < b.length) {
    if (b[at] !== 0xff) return 'malformed';
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (!isJpegHeaderMarker(marker)) return 'malformed';
    if (at + 4 > b.length) return 'truncated';
    const length = (b[at + 2]! << 8) | b[at + 3]!;
    if (length < 2) return 'malformed';
    if (marker === 0xda) {
      // Entropy-coded data runs to an EOI marker; scanners often pad after it.
      for (let i = b.length - 2; i > at; i--) if (b[i] === 0xff && b[i + 1] === 0xd9) return 'complete';
      return 'truncated';
    }
    at += 2 + length;
  }
  return 'truncated';
}

/** A WebP is one RIFF chunk whose declared size the file must reach. */
export function webpIntegrity(b: Uint8Array): Integrity {
  if (b.length < 12) return 'truncated';
  const declared = Buffer.from(b.buffer, b.byteOffset, b.byteLength).readUInt32LE(4) + 8;
  if (b.length < declared) return 'truncated';
  const chunk = latin1(b, 12, 16);
  return /^VP8[ LX]$/.test(chunk) ? 'complete' : 'malformed';
}

interface TiffReader {
  u16(at: number): number;
  u32(at: number): number;
}

function tiffReader(b: Uint8Array): TiffReader | null {
  const view = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const order = latin1(b, 0, 2);
  if (order === 'II') return { u16: (a) => view.readUInt16LE(a), u32: (a) => view.readUInt32LE(a) };
  if (order === 'MM') return { u16: (a) => view.readUInt16BE(a), u32: (a) => view.readUInt32BE(a) };
  return null;
}

interface TiffTag {
  type: number;
  count: number;
  /** Offset of the value (inline in the entry when it fits in 4 bytes). */
  valueAt: number;
}

const TIFF_TYPE_SIZE: Record<number, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  10: 8,
  11: 4,
  12: 8,
};

/** The IFDs of a classic TIFF (BigTIFF is left to the decoder), tags by number. */
function tiffIfds(b: Uint8Array): { ifds: Map<number, TiffTag>[]; cut: boolean } | null {
  const r = tiffReader(b);
  if (!r || b.length < 8 || r.u16(2) !== 42) return null;
  const ifds: Map<number, TiffTag>[] = [];
  const seen = new Set<number>();
  let next = r.u32(4);
  while (next !== 0) {
    if (seen.has(next) || ifds.length > 10_000) return { ifds, cut: false };
    seen.add(next);
    if (next + 2 > b.length) return { ifds, cut: true };
    const n = r.u16(next);
    if (next + 2 + n * 12 + 4 > b.length) return { ifds, cut: true };
    const tags = new Map<number, TiffTag>();
    for (let i = 0; i < n; i++) {
      const e = next + 2 + i * 12;
      const type = r.u16(e + 2);
      const count = r.u32(e + 4);
      const size = (TIFF_TYPE_SIZE[type] ?? 1) * count;
      tags.set(r.u16(e), { type, count, valueAt: size <= 4 ? e + 8 : r.u32(e + 8) });
    }
    ifds.push(tags);
    next = r.u32(next + 2 + n * 12);
  }
  return { ifds, cut: false };
}

function tiffValues(b: Uint8Array, r: TiffReader, tag: TiffTag | undefined): number[] | null {
  if (!tag) return [];
  const size = TIFF_TYPE_SIZE[tag.type] ?? 1;
  if (tag.valueAt + size * tag.count > b.length) return null;
  const out: number[] = [];
  for (let i = 0; i < Math.min(tag.count, 100_000); i++) {
    out.push(tag.type === 3 ? r.u16(tag.valueAt + 2 * i) : r.u32(tag.valueAt + 4 * i));
  }
  return out;
}

/** A TIFF is cut short when an IFD, or a strip or tile of image data, lies past the end of the file. */
export function tiffIntegrity(b: Uint8Array): Integrity {
  const r = tiffReader(b);
  const parsed = tiffIfds(b);
  if (!r || !parsed) return b.length < 8 ? 'truncated' : 'malformed';
  if (parsed.cut) return 'truncated';
  if (parsed.ifds.length === 0) return 'malformed';
  for (const tags of parsed.ifds) {
    const offsets = tiffValues(b, r, tags.get(273) ?? tags.get(324));
    const counts = tiffValues(b, r, tags.get(279) ?? tags.get(325));
    if (!offsets || !counts) return 'truncated';
    for (let i = 0; i < offsets.length; i++) {
      if (offsets[i]! + (counts[i] ?? 0) > b.length) return 'truncated';
    }
  }
  return 'complete';
}

/** TIFF compression schemes by tag value, as a person would name them. */
const TIFF_COMPRESSION: Record<number, string> = {
  1: 'none',
  2: 'CCITT run-length',
  3: 'CCITT group 3 fax',
  4: 'CCITT group 4 fax',
  5: 'LZW',
  6: 'old-style JPEG',
  7: 'JPEG',
  8: 'Deflate',
  32946: 'Deflate',
  32773: 'PackBits',
  9: 'JBIG',
  10: 'JBIG',
  34661: 'JBIG',
  34712: 'JPEG 2000',
  33003: 'JPEG 2000',
  33005: 'JPEG 2000',
  34892: 'lossy JPEG',
  34925: 'LZMA',
  50000: 'Zstandard',
  50001: 'WebP',
  34887: 'LERC',
};

/** Schemes the bundled libtiff decodes (sharp's build); anything else cannot be read here. */
const TIFF_DECODABLE = new Set([1, 2, 3, 4, 5, 6, 7, 8, 32946, 32773, 50000, 50001, 34925]);

/** The first page's compression when it is one this build cannot decode, named; else null. */
export function undecodableTiffCompression(b: Uint8Array): string | null {
  const r = tiffReader(b);
  const parsed = tiffIfds(b);
  if (!r || !parsed) return null;
  for (const tags of parsed.ifds) {
    const value = tiffValues(b, r, tags.get(259))?.[0] ?? 1;
    if (!TIFF_DECODABLE.has(value))
      return `${TIFF_COMPRESSION[value] ?? 'an unknown scheme'} (scheme ${value})`;
  }
  return null;
}

const PDF_OBJECT = /\b\d{1,10}\s+\d{1,5}\s+obj\b/;

export interface PdfStructure {
  integrity: Integrity;
  /**
   * Whether a page object can be seen in the bytes (or could hide in a compressed object
   * stream). pdfjs invents a blank page for a PDF whose page tree is gone; this tells them apart.
   */
  pagesVisible: boolean;
  /** What follows the last %%EOF, when it is another file format (a polyglot); else null. */
  appended: string | null;
}

/**
 * How a PDF's bytes are laid out. A file with no %%EOF whose body holds PDF objects (or
 * nothing yet) was cut short; one whose body after the header is no PDF at all, or whose
 * %%EOF is followed by a second file, is not a sound PDF.
 */
export function pdfStructure(b: Uint8Array): PdfStructure {
  const text = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
  // Readers accept junk before the header within the first KB (see ingest.ts).
  const headerAt = Math.max(0, text.slice(0, 1029).indexOf('%PDF-'));
  const pagesVisible = /\/Type\s*\/Page(?![A-Za-z])|\/ObjStm\b/.test(text);
  const eof = text.lastIndexOf('%%EOF');
  if (eof >= 0) {
    const tail = b.subarray(eof + 5);
    const zipAt = Buffer.from(tail).indexOf('PK\x03\x04', 0, 'latin1');
    if (zipAt >= 0 || Buffer.from(tail).indexOf('PK\x05\x06', 0, 'latin1') >= 0) {
      return { integrity: 'malformed', pagesVisible, appended: 'a ZIP archive' };
    }
    return { integrity: PDF_OBJECT.test(text) ? 'complete' : 'malformed', pagesVisible, appended: null };
  }
  const body = text.slice(headerAt).replace(/^%PDF-\d\.\d/, '');
  if (body.trim() === '' || PDF_OBJECT.test(body.slice(0, 64 * 1024)))
    return { integrity: 'truncated', pagesVisible, appended: null };
  return { integrity: 'malformed', pagesVisible, appended: null };
}
