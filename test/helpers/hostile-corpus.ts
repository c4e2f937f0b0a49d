/**
 * A corpus of hostile and broken files, each with the outcome Paperline must give it: the
 * reason code in failed.jsonl, or `review` for a file that is odd but readable. Generated, not
 * committed, so the bytes are reproducible and the repository stays small:
 *
 *   npx tsx test/helpers/hostile-corpus.ts /tmp/hostile     (then: npx paperline process /tmp/hostile --out /tmp/x)
 *
 * test/hostile-corpus.test.ts runs it through `paperline process` and the service API.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { PDFDocument, PDFName, PDFString, StandardFonts } from 'pdf-lib';
import sharp, { type Sharp } from 'sharp';
import type { FailureCode } from '../../pipeline/errors.ts';
import { mulberry32 } from '../../samples/generator/prng.ts';
import { makeEncryptedPdf } from './documents.ts';

/** `review`: read, and sent to a person (these files carry no invoice). `skipped`: not a file, nothing listed. */
export type HostileExpectation = FailureCode | 'review' | 'skipped';

type Bytes = Uint8Array | Buffer;
type Maker = () => Bytes | Promise<Bytes>;

export interface HostileCase {
  /** Path inside the corpus folder; its last part is the `sourceFile` Paperline reports. */
  file: string;
  expected: HostileExpectation;
  what: string;
  /** A symbolic link (target as written) or a folder, not a file with bytes: the CLI case only. */
  link?: string;
  folder?: true;
  /** A named pipe: reading it would wait for a writer for ever. */
  fifo?: true;
  make?: Maker;
}

// --- bytes ---------------------------------------------------------------------------------

const rand = mulberry32(21);
function randomBytes(n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
function ihdr(width: number, height: number): Buffer {
  const d = Buffer.alloc(13);
  d.writeUInt32BE(width, 0);
  d.writeUInt32BE(height, 4);
  d[8] = 8; // bit depth
  d[9] = 0; // grayscale
  return pngChunk('IHDR', d);
}

/** A PNG header claiming width × height, with a few rows of real data: tiny file, huge image. */
export function pngBomb(width: number, height: number): Buffer {
  const row = Buffer.alloc(1 + width, 0xff);
  row[0] = 0;
  const idat = deflateSync(Buffer.concat(Array.from({ length: 4 }, () => row)));
  return Buffer.concat([
    PNG_SIGNATURE,
    ihdr(width, height),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A ZIP archive, written by hand: entries stored or deflated, sizes as declared. */
function zip(entries: { name: string; data: Buffer; deflate?: boolean }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const body = e.deflate ? deflateRawSync(e.data, { level: 9 }) : e.data;
    const name = Buffer.from(e.name, 'utf8');
    const crc = crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

/**
 * A PDF from object bodies (object n is `objects[n-1]`), with a correct xref unless told
 * otherwise: for the structures pdf-lib will not write.
 */
function rawPdf(
  objects: string[],
  opts: { xref?: 'good' | 'wrong-offsets' | 'none'; trailer?: string } = {},
): Buffer {
  const xref = opts.xref ?? 'good';
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let length = parts[0]!.length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(length);
    const chunk = Buffer.from(`${i + 1} 0 obj\n${body}\nendobj\n`, 'latin1');
    parts.push(chunk);
    length += chunk.length;
  });
  const trailer = `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${opts.trailer ?? ''}>>\n`;
  if (xref === 'none') {
    parts.push(Buffer.from(`${trailer}startxref\n0\n%%EOF\n`));
  } else {
    const entry = (o: number) =>
      `${String(xref === 'wrong-offsets' ? o * 7 + 13 : o).padStart(10, '0')} 00000 n \n`;
    parts.push(
      Buffer.from(
        `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map(entry).join('')}${trailer}startxref\n${length}\n%%EOF\n`,
      ),
    );
  }
  return Buffer.concat(parts);
}

/** Catalog, page tree and one page showing `text` in Helvetica; the page's extra keys go in `page`. */
function onePagePdf(
  text: string,
  opts: { mediaBox?: string; page?: string; extra?: string[]; xref?: 'good' | 'wrong-offsets' | 'none' } = {},
) {
  const content = `BT /F1 14 Tf 36 120 Td (${text}) Tj ET`;
  return rawPdf(
    [
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      `<< /Type /Page /Parent 2 0 R /MediaBox ${opts.mediaBox ?? '[0 0 612 200]'} /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> ${opts.page ?? ''}>>`,
      `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
      '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
      ...(opts.extra ?? []),
    ],
    { xref: opts.xref ?? 'good' },
  );
}

/** A one-page digital PDF with a sentence on it: readable, and not a document type we post. */
async function textPdf(sentence: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([612, 200]);
  page.drawText(sentence, { x: 36, y: 120, size: 14, font });
  return doc.save({ useObjectStreams: false });
}

/** A small picture of a line of text (through librsvg), for the odd-but-readable images. */
function textImage(label: string, width = 640, height = 120): Sharp {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#fff"/><text x="20" y="${height / 2 + 12}" font-family="sans-serif" font-size="32" fill="#000">${label}</text></svg>`;
  return sharp(Buffer.from(svg));
}

async function framesOf(labels: string[], width = 320, height = 80): Promise<Buffer[]> {
  return Promise.all(labels.map((l) => textImage(l, width, height).png().toBuffer()));
}

/** Patches the first IFD entry with this tag in a little-endian TIFF. */
function patchTiffTag(tiff: Buffer, tag: number, value: number): Buffer {
  const out = Buffer.from(tiff);
  if (out.toString('latin1', 0, 2) !== 'II') throw new Error('expected a little-endian TIFF');
  const ifd = out.readUInt32LE(4);
  const n = out.readUInt16LE(ifd);
  for (let i = 0; i < n; i++) {
    const at = ifd + 2 + i * 12;
    if (out.readUInt16LE(at) !== tag) continue;
    const type = out.readUInt16LE(at + 2);
    if (type === 3) out.writeUInt16LE(value, at + 8);
    else out.writeUInt32LE(value, at + 8);
    return out;
  }
  throw new Error(`TIFF tag ${tag} not found`);
}

/** Sets the size a JPEG's start-of-frame marker declares. */
function patchJpegSize(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  for (let i = 2; i < out.length - 9; ) {
    if (out[i] !== 0xff) throw new Error('lost JPEG marker sync');
    const marker = out[i + 1]!;
    if (marker >= 0xc0 && marker <= 0xc2) {
      out.writeUInt16BE(height, i + 5);
      out.writeUInt16BE(width, i + 7);
      return out;
    }
    i += 2 + out.readUInt16BE(i + 2);
  }
  throw new Error('no JPEG start-of-frame');
}

function cut(bytes: Bytes, share: number): Buffer {
  return Buffer.from(bytes).subarray(0, Math.floor(bytes.length * share));
}

// Memoised shared inputs: several cases start from the same real file.
function once<T>(f: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | null = null;
  return () => {
    p ??= f();
    return p;
  };
}
const basePdf = once(() => textPdf('A letter about the weather in Lisbon, which has been sunny all week.'));
const baseJpeg = once(() => textImage('Receipt 42 paid in cash').jpeg({ quality: 80 }).toBuffer());
const basePng = once(() => textImage('Delivery note 7 signed').png().toBuffer());
const baseWebp = once(() => textImage('Parcel 12 delivered').webp({ quality: 80 }).toBuffer());
const baseTiff = once(async () =>
  sharp(await framesOf(['Page one of three', 'Page two of three', 'Page three of three']), {
    join: { animated: true },
  })
    .tiff({ compression: 'lzw' })
    .toBuffer(),
);

const docx = () =>
  zip([
    { name: '[Content_Types].xml', data: Buffer.from('<?xml version="1.0"?><Types/>') },
    { name: 'word/document.xml', data: Buffer.from('<?xml version="1.0"?><w:document/>'), deflate: true },
  ]);
const xlsx = () =>
  zip([
    { name: '[Content_Types].xml', data: Buffer.from('<?xml version="1.0"?><Types/>') },
    { name: 'xl/workbook.xml', data: Buffer.from('<?xml version="1.0"?><workbook/>'), deflate: true },
  ]);
const zipBomb = once(async () =>
  // 64 MB of zeros in ten entries, ~64 KB on disk: what an unzipping ingester would choke on.
  zip(
    Array.from({ length: 10 }, (_, i) => ({
      name: `part-${i}.bin`,
      data: Buffer.alloc(6_400_000),
      deflate: true,
    })),
  ),
);

const HTML =
  '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>\n';
const SVG =
  '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><text x="10" y="50">Invoice 17</text></svg>\n';

// --- the table -----------------------------------------------------------------------------

export const HOSTILE_CASES: readonly HostileCase[] = [
  // PDFs cut short, damaged, or not PDFs at all
  {
    file: 'pdf-truncated-half.pdf',
    expected: 'truncated',
    what: 'a digital PDF cut in half',
    make: async () => cut(await basePdf(), 0.5),
  },
  {
    file: 'pdf-truncated-tail.pdf',
    expected: 'truncated',
    what: 'a digital PDF missing its last tenth (xref and %%EOF)',
    make: async () => cut(await basePdf(), 0.9),
  },
  {
    file: 'pdf-header-only.pdf',
    expected: 'truncated',
    what: 'nothing but "%PDF-1.7" and a newline',
    make: () => Buffer.from('%PDF-1.7\n'),
  },
  {
    file: 'pdf-random-after-header.pdf',
    expected: 'corrupt',
    what: 'a PDF header followed by 16 KB of random bytes',
    make: () => Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(16_384)]),
  },
  {
    file: 'pdf-random-between-header-and-eof.pdf',
    expected: 'corrupt',
    what: 'random bytes between a PDF header and %%EOF',
    make: () => Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(8_192), Buffer.from('\n%%EOF\n')]),
  },
  {
    file: 'pdf-all-zeros.pdf',
    expected: 'corrupt',
    what: '10 KB of zero bytes named .pdf (a copy that never got written)',
    make: () => Buffer.alloc(10_240),
  },
  {
    file: 'pdf-broken-objects.pdf',
    expected: 'corrupt',
    what: 'objects cut off mid-dictionary, xref pointing nowhere, %%EOF present',
    make: () =>
      Buffer.from(
        '%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R\n2 0 obj\n<< /Type /Pa\nxref\n0 3\n0000000000 65535 f \n0000099999 00000 n \n0000088888 00000 n \ntrailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n77777\n%%EOF\n',
      ),
  },
  {
    file: 'pdf-broken-xref.pdf',
    expected: 'review',
    what: 'a sound PDF whose xref offsets are all wrong (readers rebuild it)',
    make: () =>
      onePagePdf('A note with a broken cross reference table, rebuilt by the reader.', {
        xref: 'wrong-offsets',
      }),
  },
  {
    file: 'pdf-no-xref.pdf',
    expected: 'review',
    what: 'a sound PDF with no xref table at all',
    make: () =>
      onePagePdf('A note without any cross reference table, found object by object.', { xref: 'none' }),
  },
  {
    file: 'pdf-javascript.pdf',
    expected: 'review',
    what: 'a PDF that runs JavaScript on open (never executed)',
    make: async () => {
      const doc = await PDFDocument.load(
        await textPdf('This page would like to run a script when it is opened.'),
      );
      const js = doc.context.obj({
        S: 'JavaScript',
        JS: PDFString.of('app.alert("hello"); this.submitForm("http://example.invalid/")'),
      });
      doc.catalog.set(PDFName.of('OpenAction'), doc.context.register(js));
      return doc.save({ useObjectStreams: false });
    },
  },
  {
    file: 'pdf-encrypted-user-password.pdf',
    expected: 'encrypted',
    what: 'a PDF that needs a password to open',
    make: () => makeEncryptedPdf('Salary statement for March', 'secret'),
  },
  {
    file: 'pdf-owner-password-only.pdf',
    expected: 'review',
    what: 'a PDF with only an owner (permissions) password: opens without one',
    make: () => makeEncryptedPdf('Permissions only, anyone may open this page and read it', ''),
  },
  {
    file: 'pdf-5000-pages.pdf',
    expected: 'too-many-pages',
    what: 'a PDF of 5000 pages (refused from its page count, no page read)',
    make: () => {
      const kids = Array.from({ length: 5000 }, (_, i) => `${i + 5} 0 R`).join(' ');
      const pages = Array.from(
        { length: 5000 },
        () =>
          '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R /Resources << /Font << /F1 4 0 R >> >> >>',
      );
      const content = 'BT /F1 12 Tf 72 700 Td (One of five thousand identical pages) Tj ET';
      return rawPdf([
        '<< /Type /Catalog /Pages 2 0 R >>',
        `<< /Type /Pages /Kids [${kids}] /Count 5000 >>`,
        `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
        '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
        ...pages,
      ]);
    },
  },
  {
    file: 'pdf-page-count-lies.pdf',
    expected: 'review',
    what: 'a page tree claiming 1000000 pages with one page in it (the real count is used)',
    make: () =>
      rawPdf([
        '<< /Type /Catalog /Pages 2 0 R >>',
        '<< /Type /Pages /Kids [3 0 R] /Count 1000000 >>',
        '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>',
      ]),
  },
  {
    file: 'pdf-enormous-page.pdf',
    expected: 'too-many-pixels',
    what: 'one page 200 × 200 inches (the largest a PDF allows)',
    make: () => onePagePdf('A poster the size of a house.', { mediaBox: '[0 0 14400 14400]' }),
  },
  {
    file: 'pdf-no-pages.pdf',
    expected: 'corrupt',
    what: 'a well-formed PDF with an empty page tree',
    make: () => rawPdf(['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [] /Count 0 >>']),
  },
  {
    file: 'pdf-image-bomb.pdf',
    expected: 'review',
    what: 'a small page with an embedded image declared 50000 × 50000 (skipped, not decoded)',
    make: () => {
      const data = deflateSync(Buffer.alloc(50_000 * 4, 0x80));
      const content = 'q 144 0 0 144 0 0 cm /Im1 Do Q BT /F1 12 Tf 10 10 Td (Bomb) Tj ET';
      return Buffer.concat([
        Buffer.from('%PDF-1.7\n'),
        ...(() => {
          const objs: Buffer[] = [
            Buffer.from('<< /Type /Catalog /Pages 2 0 R >>'),
            Buffer.from('<< /Type /Pages /Kids [3 0 R] /Count 1 >>'),
            Buffer.from(
              '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 144 144] /Contents 4 0 R /Resources << /XObject << /Im1 5 0 R >> /Font << /F1 6 0 R >> >> >>',
            ),
            Buffer.from(`<< /Length ${content.length} >>\nstream\n${content}\nendstream`),
            Buffer.concat([
              Buffer.from(
                `<< /Type /XObject /Subtype /Image /Width 50000 /Height 50000 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length ${data.length} >>\nstream\n`,
              ),
              data,
              Buffer.from('\nendstream'),
            ]),
            Buffer.from('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'),
          ];
          const out: Buffer[] = [];
          let len = 9;
          const offs: number[] = [];
          objs.forEach((o, i) => {
            offs.push(len);
            const c = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), o, Buffer.from('\nendobj\n')]);
            out.push(c);
            len += c.length;
          });
          out.push(
            Buffer.from(
              `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offs.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${len}\n%%EOF\n`,
            ),
          );
          return out;
        })(),
      ]);
    },
  },
  {
    file: 'pdf-deep-nesting.pdf',
    expected: 'corrupt',
    what: "a page whose resources are nested 100000 arrays deep (exhausts a recursive parser's stack)",
    make: () =>
      onePagePdf('A page whose resources hide an absurdly deep nest of arrays.', {
        page: `/Junk ${'['.repeat(100_000)}${']'.repeat(100_000)}`,
      }),
  },
  {
    file: 'pdf-zip-polyglot.pdf',
    expected: 'corrupt',
    what: 'a whole PDF with a ZIP archive appended (opens as either)',
    make: async () =>
      Buffer.concat([
        Buffer.from(await textPdf('Innocent looking page of a polyglot file, read as PDF or ZIP.')),
        zip([{ name: 'payload.js', data: Buffer.from('alert(1)\n'.repeat(400)), deflate: true }]),
      ]),
  },
  {
    file: 'zip-with-pdf-inside.pdf',
    expected: 'mislabelled',
    what: 'a ZIP whose first stored entry is a PDF (a PDF header within the first KB)',
    make: async () =>
      zip([
        {
          name: 'a.pdf',
          data: Buffer.from(await textPdf('A PDF stored as the first entry of a ZIP archive.')),
        },
      ]),
  },
  {
    file: 'pdf-header-too-late.pdf',
    expected: 'mislabelled',
    what: '2 KB of binary junk, then a real PDF',
    make: async () => Buffer.concat([randomBytes(2048), Buffer.from(await basePdf())]),
  },

  // Images cut short, damaged, bombs, odd shapes and colours
  {
    file: 'png-truncated.png',
    expected: 'truncated',
    what: 'a PNG cut in half',
    make: async () => cut(await basePng(), 0.5),
  },
  {
    file: 'png-header-only.png',
    expected: 'truncated',
    what: 'a PNG signature and IHDR, no image data',
    make: () => Buffer.concat([PNG_SIGNATURE, ihdr(640, 120)]),
  },
  {
    file: 'png-random-after-signature.png',
    expected: 'corrupt',
    what: 'a PNG signature followed by random bytes',
    make: () => Buffer.concat([PNG_SIGNATURE, randomBytes(8192)]),
  },
  {
    file: 'png-bad-crc.png',
    expected: 'corrupt',
    what: 'a complete PNG whose image data was damaged (checksums fail)',
    make: async () => {
      const png = Buffer.from(await basePng());
      const idat = png.indexOf('IDAT');
      for (let i = idat + 20; i < idat + 60; i++) png[i] = png[i]! ^ 0x5a;
      return png;
    },
  },
  {
    file: 'png-zero-width.png',
    expected: 'corrupt',
    what: 'a PNG declaring a width of 0',
    make: () => pngBomb(0, 10).subarray(0, 33),
  },
  {
    file: 'png-pixel-bomb.png',
    expected: 'too-many-pixels',
    what: 'a 1 KB PNG declaring 100000 × 100000 pixels',
    make: () => pngBomb(100_000, 100_000),
  },
  {
    file: 'png-wide-100000x10.png',
    expected: 'too-many-pixels',
    what: 'a real 100000 × 10 pixel PNG (a line, not a page)',
    make: () =>
      sharp({ create: { width: 100_000, height: 10, channels: 3, background: '#ffffff' } })
        .png()
        .toBuffer(),
  },
  {
    file: 'png-tall-10x100000.png',
    expected: 'too-many-pixels',
    what: 'a real 10 × 100000 pixel PNG',
    make: () =>
      sharp({ create: { width: 10, height: 100_000, channels: 3, background: '#ffffff' } })
        .png()
        .toBuffer(),
  },
  {
    file: 'png-sliver-20000x40.png',
    expected: 'too-many-pixels',
    what: 'a 20000 × 40 pixel strip, 500 times as wide as it is tall',
    make: () =>
      sharp({ create: { width: 20_000, height: 40, channels: 3, background: '#ffffff' } })
        .png()
        .toBuffer(),
  },
  {
    file: 'png-16-bit-gray.png',
    expected: 'review',
    what: 'a 16-bit grayscale PNG with a line of text',
    make: () => textImage('Sixteen bit grey scan').toColourspace('grey16').png().toBuffer(),
  },
  {
    file: 'png-16-bit-rgba.png',
    expected: 'review',
    what: 'a 16-bit RGBA PNG with transparency',
    make: () =>
      textImage('Sixteen bit colour with alpha').ensureAlpha(0.5).toColourspace('rgb16').png().toBuffer(),
  },
  {
    file: 'jpeg-cmyk.jpg',
    expected: 'review',
    what: 'a CMYK JPEG, as print workflows make them',
    make: () => textImage('Printed in CMYK').toColourspace('cmyk').jpeg().toBuffer(),
  },
  {
    file: 'jpeg-truncated.jpg',
    expected: 'truncated',
    what: 'a JPEG cut in half',
    make: async () => cut(await baseJpeg(), 0.5),
  },
  {
    file: 'jpeg-header-only.jpg',
    expected: 'truncated',
    what: 'a JPEG start-of-image marker and nothing else',
    make: () => Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
  },
  {
    file: 'jpeg-random-after-marker.jpg',
    expected: 'corrupt',
    what: 'a JPEG start-of-image marker followed by random bytes',
    make: () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), randomBytes(8192)]),
  },
  {
    file: 'jpeg-pixel-bomb.jpg',
    expected: 'too-many-pixels',
    what: 'a small JPEG whose header declares 65000 × 65000 pixels',
    make: async () => patchJpegSize(await baseJpeg(), 65_000, 65_000),
  },
  {
    file: 'webp-truncated.webp',
    expected: 'truncated',
    what: 'a WebP cut in half',
    make: async () => cut(await baseWebp(), 0.5),
  },
  {
    file: 'webp-animated.webp',
    expected: 'unsupported-type',
    what: 'an animated WebP of three frames',
    make: async () =>
      sharp(await framesOf(['one', 'two', 'three']), { join: { animated: true } })
        .webp()
        .toBuffer(),
  },
  {
    file: 'gif-animated.gif',
    expected: 'unsupported-type',
    what: 'an animated GIF',
    make: async () =>
      sharp(await framesOf(['one', 'two']), { join: { animated: true } })
        .gif()
        .toBuffer(),
  },
  {
    file: 'gif-named-as.png',
    expected: 'mislabelled',
    what: 'a GIF named .png',
    make: () => textImage('A GIF in disguise').gif().toBuffer(),
  },
  { file: 'tiff-three-pages-lzw.tif', expected: 'review', what: 'a three-page LZW TIFF', make: baseTiff },
  {
    file: 'tiff-cmyk.tif',
    expected: 'review',
    what: 'a CMYK TIFF',
    make: () =>
      textImage('A CMYK tiff page').toColourspace('cmyk').tiff({ compression: 'deflate' }).toBuffer(),
  },
  {
    file: 'tiff-fax-g4-two-pages.tif',
    expected: 'review',
    what: 'a two-page bilevel TIFF with CCITT group 4 (fax) compression',
    make: async () =>
      sharp(await framesOf(['Fax page one', 'Fax page two'], 640, 120), { join: { animated: true } })
        .extractChannel(0)
        .toColourspace('b-w')
        .tiff({ compression: 'ccittfax4', bitdepth: 1 })
        .toBuffer(),
  },
  {
    file: 'tiff-jpeg2000-compression.tif',
    expected: 'unsupported-type',
    what: 'a TIFF whose compression tag says JPEG 2000 (not decodable here)',
    make: async () =>
      patchTiffTag(
        await sharp(await basePng())
          .tiff({ compression: 'none' })
          .toBuffer(),
        259,
        34712,
      ),
  },
  {
    file: 'tiff-60-frames.tif',
    expected: 'too-many-pages',
    what: 'a TIFF of 60 tiny frames',
    make: async () =>
      sharp(
        await Promise.all(
          Array.from({ length: 60 }, (_, i) =>
            sharp({ create: { width: 8, height: 8, channels: 3, background: { r: i, g: i, b: i } } })
              .png()
              .toBuffer(),
          ),
        ),
        { join: { animated: true } },
      )
        .tiff({ compression: 'lzw' })
        .toBuffer(),
  },
  {
    file: 'tiff-truncated.tif',
    expected: 'truncated',
    what: 'a three-page TIFF cut in half',
    make: async () => cut(await baseTiff(), 0.5),
  },
  {
    file: 'tiff-pixel-bomb.tif',
    expected: 'too-many-pixels',
    what: 'a small TIFF whose header declares 60000 × 60000 pixels',
    make: async () =>
      patchTiffTag(
        patchTiffTag(
          await sharp({ create: { width: 16, height: 16, channels: 3, background: '#fff' } })
            .tiff({ compression: 'lzw' })
            .toBuffer(),
          256,
          60_000,
        ),
        257,
        60_000,
      ),
  },

  // Formats we do not read, under their own names and under document names
  { file: 'drawing.svg', expected: 'unsupported-type', what: 'an SVG drawing', make: () => Buffer.from(SVG) },
  {
    file: 'svg-named-as.png',
    expected: 'mislabelled',
    what: 'an SVG named .png',
    make: () => Buffer.from(SVG),
  },
  {
    file: 'photo.heic',
    expected: 'unsupported-type',
    what: 'a HEIC photo (an iPhone picture)',
    make: () =>
      Buffer.concat([
        Buffer.from([0, 0, 0, 0x18]),
        Buffer.from('ftypheic\0\0\0\0mif1heic'),
        randomBytes(2048),
      ]),
  },
  {
    file: 'heic-named-as.jpg',
    expected: 'mislabelled',
    what: 'a HEIC photo renamed .jpg',
    make: () =>
      Buffer.concat([
        Buffer.from([0, 0, 0, 0x18]),
        Buffer.from('ftypheic\0\0\0\0mif1heic'),
        randomBytes(4096),
      ]),
  },
  {
    file: 'image.avif',
    expected: 'unsupported-type',
    what: 'an AVIF image',
    make: () => textImage('AVIF').avif().toBuffer(),
  },
  {
    file: 'bitmap.bmp',
    expected: 'unsupported-type',
    what: 'a Windows BMP',
    make: () => {
      const b = Buffer.alloc(54 + 4 * 4);
      b.write('BM', 0, 'latin1');
      b.writeUInt32LE(b.length, 2);
      b.writeUInt32LE(54, 10);
      b.writeUInt32LE(40, 14);
      b.writeInt32LE(2, 18);
      b.writeInt32LE(2, 22);
      b.writeUInt16LE(1, 26);
      b.writeUInt16LE(32, 28);
      return b;
    },
  },
  {
    file: 'zip-bomb.zip',
    expected: 'unsupported-type',
    what: 'a ZIP that unpacks 60 KB into 64 MB',
    make: zipBomb,
  },
  {
    file: 'zip-bomb-named.pdf',
    expected: 'mislabelled',
    what: 'the ZIP bomb named .pdf',
    make: async () => Buffer.concat([await zipBomb(), Buffer.from([0])]),
  },
  {
    file: 'gzip-bomb.pdf',
    expected: 'mislabelled',
    what: '32 MB of zeros gzipped into 32 KB, named .pdf',
    make: () => gzipSync(Buffer.alloc(32_000_000), { level: 9 }),
  },
  {
    file: 'error-page.pdf',
    expected: 'mislabelled',
    what: 'an HTML error page saved as .pdf',
    make: () => Buffer.from(HTML),
  },
  {
    file: 'error-page.jpg',
    expected: 'mislabelled',
    what: 'an HTML error page saved as .jpg',
    make: () => Buffer.from(HTML.replace('502', '404')),
  },
  {
    file: 'notes.pdf',
    expected: 'mislabelled',
    what: 'plain text named .pdf',
    make: () => Buffer.from('Call the bank about the March statement.\nAsk for the original invoice.\n'),
  },
  {
    file: 'notes.tiff',
    expected: 'mislabelled',
    what: 'CSV text named .tiff',
    make: () => Buffer.from('date,amount\n2024-03-01,12.50\n2024-03-02,7.00\n'),
  },
  {
    file: 'data.webp',
    expected: 'mislabelled',
    what: 'JSON named .webp',
    make: () => Buffer.from('{"invoice": 17, "total": "12.50"}\n'),
  },
  { file: 'letter.docx', expected: 'unsupported-type', what: 'a Word document', make: docx },
  {
    file: 'word-named-as.pdf',
    expected: 'mislabelled',
    what: 'a Word document named .pdf',
    make: () => Buffer.concat([docx(), Buffer.from('\n')]),
  },
  { file: 'excel-named-as.jpg', expected: 'mislabelled', what: 'an Excel workbook named .jpg', make: xlsx },
  {
    file: 'old-word-named-as.tif',
    expected: 'mislabelled',
    what: 'an old-style .doc (OLE2) named .tif',
    make: () =>
      Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]),
  },
  {
    file: 'rtf-named-as.pdf',
    expected: 'mislabelled',
    what: 'an RTF document named .pdf',
    make: () => Buffer.from('{\\rtf1\\ansi Invoice 17\\par}\n'),
  },
  {
    file: 'program-named-as.pdf',
    expected: 'mislabelled',
    what: 'a Windows program named .pdf',
    make: () =>
      Buffer.concat([Buffer.from('MZ'), Buffer.alloc(58), Buffer.from([0x80, 0, 0, 0]), randomBytes(1024)]),
  },
  {
    file: 'einvoice-entity-bomb.xml',
    expected: 'review',
    what: 'a CII e-invoice declaring nested XML entities (billion laughs)',
    make: () =>
      Buffer.from(
        `<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>\n<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"><x>&d;&d;&d;</x></rsm:CrossIndustryInvoice>\n`,
      ),
  },

  // Empty and nearly empty
  { file: 'empty.pdf', expected: 'empty-file', what: '0 bytes, named .pdf', make: () => Buffer.alloc(0) },
  { file: 'empty.png', expected: 'empty-file', what: '0 bytes, named .png', make: () => Buffer.alloc(0) },
  {
    file: 'one-byte.pdf',
    expected: 'empty-file',
    what: 'a single "%" byte, named .pdf',
    make: () => Buffer.from('%'),
  },
  {
    file: 'one-byte.jpg',
    expected: 'empty-file',
    what: 'a single 0xFF byte, named .jpg',
    make: () => Buffer.from([0xff]),
  },

  // Odd names on readable files
  {
    file: 'with  spaces and (brackets).pdf',
    expected: 'review',
    what: 'spaces and brackets in the name',
    make: () => textPdf('A page whose file name has spaces and brackets in it.'),
  },
  {
    file: 'Rechnung-ünïcödé-請求書-€.pdf',
    expected: 'review',
    what: 'accents, CJK and a euro sign in the name',
    make: () => textPdf('A page whose file name is written in several scripts.'),
  },
  {
    file: 'scan..final..pdf',
    expected: 'review',
    what: 'doubled dots ("..") in the name',
    make: () => textPdf('A page whose file name has doubled dots in the middle.'),
  },
  {
    file: '.~lock.scan.pdf#',
    expected: 'skipped',
    what: 'a hidden file (an office lock file): hidden entries are skipped',
    make: () => Buffer.from('lock\n'),
  },
  {
    file: '-rf.pdf',
    expected: 'review',
    what: 'a name that looks like a command-line option',
    make: () => textPdf('A page whose file name starts with a dash like an option.'),
  },
  {
    file: `${'long-name-'.repeat(24)}.pdf`,
    expected: 'review',
    what: 'a 244-character name',
    make: () => textPdf('A page whose file name is very long indeed for a file.'),
  },
  {
    file: 'no-extension',
    expected: 'review',
    what: 'a PDF with no extension at all',
    make: () => textPdf('A page saved without any file name extension at all.'),
  },

  // Links and folders
  {
    file: 'doc.pdf',
    expected: 'unreadable',
    what: 'a symbolic link to /etc/passwd, outside the input folder',
    link: '/etc/passwd',
  },
  {
    file: 'escape-relative.pdf',
    expected: 'unreadable',
    what: 'a relative symbolic link climbing out of the input folder',
    link: '../../../../../../../../etc/hostname',
  },
  {
    file: 'link-to-system-folder.pdf',
    expected: 'unreadable',
    what: 'a symbolic link to /etc, a folder outside the input folder',
    link: '/etc',
  },
  {
    file: 'link-loop.pdf',
    expected: 'unreadable',
    what: 'a symbolic link pointing at itself',
    link: 'link-loop.pdf',
  },
  {
    file: 'link-dangling.pdf',
    expected: 'unreadable',
    what: 'a symbolic link to a file that does not exist',
    link: 'no-such-file.pdf',
  },
  {
    file: 'link-inside.pdf',
    expected: 'review',
    what: 'a symbolic link to a file inside the input folder (followed)',
    link: '.originals/kept.pdf',
  },
  {
    file: '.originals/kept.pdf',
    expected: 'skipped',
    what: 'the link target, in a hidden folder (hidden entries are skipped)',
    make: () => textPdf('A page reached through a symbolic link inside the folder.'),
  },
  {
    file: 'folder-named.pdf',
    expected: 'skipped',
    what: 'a folder named like a PDF (its contents are read)',
    folder: true,
  },
  {
    file: 'folder-named.pdf/inside-the-folder.pdf',
    expected: 'review',
    what: 'a PDF inside a folder named like a PDF',
    make: () => textPdf('A page kept inside a folder whose name ends in pdf.'),
  },
  { file: 'empty-folder.jpg', expected: 'skipped', what: 'an empty folder named like a JPEG', folder: true },
  {
    file: 'named-pipe.pdf',
    expected: 'unreadable',
    what: 'a named pipe (FIFO) named like a PDF',
    fifo: true,
  },
];

/** Cases whose bytes can be uploaded (links and folders exist only on a disk). */
export const UPLOADABLE_CASES = HOSTILE_CASES.filter((c) => c.make && c.expected !== 'skipped');

/**
 * Writes the corpus into `dir` (emptied first) and returns the table. Fast: everything is
 * small or made by writing bytes, so a test can afford to build it every run.
 */
export async function writeHostileCorpus(dir: string): Promise<readonly HostileCase[]> {
  const root = resolve(dir);
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  for (const c of HOSTILE_CASES.filter((x) => x.folder)) await mkdir(join(root, c.file), { recursive: true });
  await Promise.all(
    HOSTILE_CASES.filter((c) => c.make).map(async (c) => {
      const path = join(root, c.file);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, await c.make!());
    }),
  );
  for (const c of HOSTILE_CASES.filter((x) => x.link)) await symlink(c.link!, join(root, c.file));
  for (const c of HOSTILE_CASES.filter((x) => x.fifo)) execFileSync('mkfifo', [join(root, c.file)]);
  return HOSTILE_CASES;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: tsx test/helpers/hostile-corpus.ts <folder>\n');
    process.exit(2);
  }
  const t0 = performance.now();
  const cases = await writeHostileCorpus(dir);
  for (const c of cases) process.stdout.write(`${c.expected.padEnd(16)} ${c.file}  (${c.what})\n`);
  process.stdout.write(
    `\n${cases.length} entries in ${resolve(dir)}, ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
  );
}
