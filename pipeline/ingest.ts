import { createHash } from 'node:crypto';
import { lstat, readFile, realpath, stat } from 'node:fs/promises';
import { basename, extname, isAbsolute, relative } from 'node:path';
import { sniffEInvoice } from '../extractors/e-invoice.ts';
import type { FailureCode } from './errors.ts';

/** `xml` is a structured e-invoice (CII or UBL) uploaded on its own. */
export type DocumentFormat = 'pdf' | 'png' | 'jpeg' | 'tiff' | 'webp' | 'xml';

export interface IngestedFile {
  path: string;
  fileName: string;
  bytes: Uint8Array;
  /** Lower-case hex SHA-256 of `bytes`: the document's identity for idempotent jobs. */
  sha256: string;
  /** Recognised from the bytes, never from the name. */
  format: DocumentFormat;
  sizeBytes: number;
}

export interface IngestLimits {
  /** Largest file accepted, in bytes. Default 50 MB. */
  maxFileBytes: number;
  /** Most pages a document may have (PDF pages, TIFF frames). Default 50. */
  maxPages: number;
  /** Most pixels one page image may decode to; stops decompression bombs. Default 100 megapixels. */
  maxPixels: number;
}

export const DEFAULT_INGEST_LIMITS: Readonly<IngestLimits> = Object.freeze({
  maxFileBytes: 50 * 1024 * 1024,
  maxPages: 50,
  maxPixels: 100_000_000,
});

export interface IngestFailure {
  code: FailureCode;
  message: string;
}

export type IngestOutcome = { ok: true; file: IngestedFile } | { ok: false; failure: IngestFailure };

/** How far into the file a PDF header may start: Acrobat tolerates junk before `%PDF-` up to 1 KB. */
const PDF_HEADER_WINDOW = 1024;

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((b, i) => bytes[offset + i] === b);
}

function ascii(s: string): number[] {
  return [...s].map((c) => c.charCodeAt(0));
}

const PDF_MAGIC = ascii('%PDF-');

function findPdfHeader(bytes: Uint8Array): number {
  const end = Math.min(bytes.length - PDF_MAGIC.length, PDF_HEADER_WINDOW);
  for (let i = 0; i <= end; i++) {
    if (bytes[i] === 0x25 && startsWith(bytes, PDF_MAGIC, i)) return i;
  }
  return -1;
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

/** The document format the bytes are, by their magic numbers; null when none we read. */
export function sniffFormat(bytes: Uint8Array): DocumentFormat | null {
  // A ZIP whose first entry is a stored PDF has a PDF header in its first KB; it is still a ZIP.
  if (startsWith(bytes, ZIP_MAGIC)) return null;
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  // Classic TIFF (42) in either byte order, and BigTIFF (43), which libtiff reads too.
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]))
    return 'tiff';
  if (startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b]))
    return 'tiff';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'webp';
  if (findPdfHeader(bytes) >= 0) return 'pdf';
  if (isMostlyText(bytes.subarray(0, 4096))) {
    const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 64 * 1024));
    if (sniffEInvoice(head)) return 'xml';
  }
  return null;
}

/**
 * A plain-words guess at what unsupported bytes are, so a clerk reading `failed.jsonl` knows
 * whether someone uploaded a Word file, an HTML error page or a photo in a format we skip.
 */
export function describeBytes(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'nothing (0 bytes)';
  if (startsWith(bytes, ascii('MZ'))) return 'a Windows program';
  if (startsWith(bytes, [0x7f, 0x45, 0x4c, 0x46])) return 'a Linux program';
  if (startsWith(bytes, ascii('GIF8'))) return 'a GIF image';
  if (startsWith(bytes, ascii('BM'))) return 'a BMP image';
  if (startsWith(bytes, ascii('ftyp'), 4)) {
    const brand = String.fromCharCode(...bytes.subarray(8, 12));
    if (/^(heic|heix|hevc|mif1|msf1)$/.test(brand)) return 'a HEIC photo';
    if (/^avi[fs]$/.test(brand)) return 'an AVIF image';
    return 'a video or media file';
  }
  if (startsWith(bytes, ZIP_MAGIC)) return describeZip(bytes);
  if (startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0])) return 'an old-style Office document (.doc/.xls)';
  if (startsWith(bytes, [0x1f, 0x8b])) return 'a gzip archive';
  if (startsWith(bytes, ascii('Rar!'))) return 'a RAR archive';
  if (startsWith(bytes, [0x37, 0x7a, 0xbc, 0xaf])) return 'a 7-Zip archive';
  if (startsWith(bytes, ascii('{\\rtf'))) return 'an RTF document';
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 4096));
  if (isMostlyText(bytes.subarray(0, 4096))) {
    const trimmed = head
      .replace(/^\uFEFF/, '')
      .trimStart()
      .toLowerCase();
    if (trimmed.startsWith('<!doctype html') || trimmed.startsWith('<html')) return 'an HTML page';
    if (trimmed.startsWith('<svg') || (trimmed.startsWith('<?xml') && trimmed.includes('<svg'))) {
      return 'an SVG drawing';
    }
    if (trimmed.startsWith('<?xml')) return 'an XML document';
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) return 'JSON text';
    return 'plain text';
  }
  return 'binary data of an unknown kind';
}

/** Office files are ZIPs; the names of their first entries say which kind. */
function describeZip(bytes: Uint8Array): string {
  const names = Buffer.from(bytes.subarray(0, 64 * 1024)).toString('latin1');
  if (names.includes('word/')) return 'a Word document (.docx)';
  if (names.includes('xl/')) return 'an Excel workbook (.xlsx)';
  if (names.includes('ppt/')) return 'a PowerPoint presentation (.pptx)';
  if (names.includes('mimetypeapplication/vnd.oasis.opendocument')) return 'an OpenDocument file';
  if (/\.pdf/i.test(names.slice(30, 30 + 256)))
    return 'a ZIP archive with a PDF inside (unpack it and send the PDF)';
  return 'a ZIP archive';
}

function isAllZero(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0) return false;
  return true;
}

/**
 * Below this many bytes no supported format holds a page (the smallest valid PNG is 67 bytes):
 * such a file is as good as empty, whatever its first bytes.
 */
const MIN_DOCUMENT_BYTES = 16;
/** What describeBytes says of bytes it does not recognise; a few such bytes are no document. */
const GENERIC = new Set(['plain text', 'binary data of an unknown kind']);

function isMostlyText(sample: Uint8Array): boolean {
  if (sample.length === 0) return false;
  let control = 0;
  for (const b of sample) {
    if (b === 0) return false;
    if (b < 0x09 || (b > 0x0d && b < 0x20) || b === 0x7f) control++;
  }
  return control / sample.length < 0.02;
}

const EXTENSION_CLAIMS: Record<string, string> = {
  '.pdf': 'a PDF',
  '.png': 'a PNG image',
  '.jpg': 'a JPEG image',
  '.jpeg': 'a JPEG image',
  '.tif': 'a TIFF image',
  '.tiff': 'a TIFF image',
  '.webp': 'a WebP image',
};

function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

type Failed = { ok: false; failure: IngestFailure };

function fail(code: FailureCode, message: string): Failed {
  return { ok: false, failure: { code, message } };
}

export interface IngestFileOptions {
  /**
   * Real path of the folder the file was found in. A symbolic link is followed only to a file
   * inside it, so a link in an inbox cannot make Paperline read (and copy into its output)
   * a system file. Unset for a file named on the command line: the user chose it.
   */
  within?: string | null;
}

/**
 * Reads a file and decides whether the pipeline can take it. Bad input is a returned failure
 * (DESIGN.md convention 3), so a batch can list it and go on; only programming errors throw.
 */
export async function ingestFile(
  path: string,
  limits: Partial<IngestLimits> = DEFAULT_INGEST_LIMITS,
  options: IngestFileOptions = {},
): Promise<IngestOutcome> {
  const maxFileBytes = limits.maxFileBytes ?? DEFAULT_INGEST_LIMITS.maxFileBytes;
  const fileName = basename(path);

  let target = path;
  try {
    if ((await lstat(path)).isSymbolicLink()) {
      const followed = await followLink(path, options.within ?? null);
      if (!followed.ok) return followed;
      target = followed.target;
    }
  } catch (e) {
    return fail('unreadable', `The file could not be opened (${errnoText(e)}).`);
  }

  let size: number;
  try {
    const info = await stat(target);
    if (info.isDirectory()) return fail('unreadable', `"${fileName}" is a folder, not a file.`);
    if (!info.isFile()) {
      return fail(
        'unreadable',
        `"${fileName}" is not a regular file (a device, pipe or socket), so it is not read.`,
      );
    }
    size = info.size;
  } catch (e) {
    return fail('unreadable', `The file could not be opened (${errnoText(e)}).`);
  }
  if (size === 0) return fail('empty-file', 'The file is empty (0 bytes).');
  // Checked before reading, so a 4 GB upload is refused without loading it into memory.
  if (size > maxFileBytes) {
    return fail(
      'too-large',
      `The file is ${formatBytes(size)}, more than the ${formatBytes(maxFileBytes)} limit.`,
    );
  }

  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(target));
  } catch (e) {
    return fail('unreadable', `The file could not be read (${errnoText(e)}).`);
  }
  // The file may have changed between stat and read; judge what was actually read.
  return ingestBytes(fileName, bytes, limits, path);
}

/** Where a symbolic link leads, or why it is not followed. */
async function followLink(
  path: string,
  within: string | null,
): Promise<{ ok: true; target: string } | Failed> {
  const fileName = basename(path);
  let target: string;
  try {
    target = await realpath(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ELOOP') {
      return fail(
        'unreadable',
        `"${fileName}" is a symbolic link that leads back to itself; there is no file to read.`,
      );
    }
    if (code === 'ENOENT') {
      return fail('unreadable', `"${fileName}" is a symbolic link to a file that does not exist.`);
    }
    throw e;
  }
  if (within !== null) {
    const rel = relative(within, target);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      return fail(
        'unreadable',
        `"${fileName}" is a symbolic link to ${target}, outside the folder being processed; links are followed only to files inside that folder.`,
      );
    }
  }
  return { ok: true, target };
}

/**
 * Judges bytes that arrived without a file (an HTTP upload) the way ingestFile judges a file:
 * size, then format from the magic numbers; failures are returned, not thrown.
 */
export function ingestBytes(
  fileName: string,
  bytes: Uint8Array,
  limits: Partial<IngestLimits> = DEFAULT_INGEST_LIMITS,
  path = fileName,
): IngestOutcome {
  const maxFileBytes = limits.maxFileBytes ?? DEFAULT_INGEST_LIMITS.maxFileBytes;
  if (bytes.length === 0) return fail('empty-file', 'The file is empty (0 bytes).');
  if (bytes.length > maxFileBytes) {
    return fail(
      'too-large',
      `The file is ${formatBytes(bytes.length)}, more than the ${formatBytes(maxFileBytes)} limit.`,
    );
  }

  const format = sniffFormat(bytes);
  if (format === null && bytes.length < MIN_DOCUMENT_BYTES && GENERIC.has(describeBytes(bytes))) {
    return fail(
      'empty-file',
      `The file is only ${bytes.length === 1 ? '1 byte' : `${bytes.length} bytes`} long: there is no document in it.`,
    );
  }
  if (format === null && isAllZero(bytes)) {
    return fail(
      'corrupt',
      `The file holds nothing but zero bytes (${formatBytes(bytes.length)} of them): it was not saved or copied properly.`,
    );
  }
  if (format === null) {
    const ext = extname(fileName).toLowerCase();
    const claim = EXTENSION_CLAIMS[ext];
    const looksLike = describeBytes(bytes);
    if (claim) {
      return fail(
        'mislabelled',
        `The file is named like ${claim} ("${ext}") but its contents look like ${looksLike}.`,
      );
    }
    return fail(
      'unsupported-type',
      `The file's contents look like ${looksLike}; only PDF, PNG, JPEG, TIFF and WebP are supported.`,
    );
  }

  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { ok: true, file: { path, fileName, bytes, sha256, format, sizeBytes: bytes.length } };
}

function errnoText(e: unknown): string {
  if (e && typeof e === 'object' && 'code' in e && typeof e.code === 'string') {
    const code = e.code;
    if (code === 'ENOENT') return 'no such file';
    if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
    if (code === 'EISDIR') return 'it is a folder';
    return code;
  }
  return e instanceof Error ? e.message : String(e);
}
