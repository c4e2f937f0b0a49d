/**
 * Real documents made on the fly for the reading tests: digital PDFs with known text at known
 * places, "scanned" PDFs (a page image and nothing else), a genuinely encrypted PDF, TIFFs.
 */
import { createHash } from 'node:crypto';
import { degrees, PDFDocument, StandardFonts } from 'pdf-lib';
import sharp from 'sharp';
import { openPdf } from '../../pipeline/adapters/pdf.ts';

export const A4 = { width: 595.28, height: 841.89 } as const;

export interface PlacedLine {
  text: string;
  /** Left edge and baseline in PDF points, origin bottom-left as PDF has it. */
  x: number;
  y: number;
  size: number;
}

/** An invoice-like page: enough text in enough lines for OSD, skew and OCR to work on. */
export const INVOICE_LINES: PlacedLine[] = [
  { text: 'INVOICE INV-2024-0042', x: 72, y: 770, size: 20 },
  { text: 'Northwind Traders Limited', x: 72, y: 730, size: 13 },
  { text: '221 Harbour Road, Portsmouth PO1 3AB', x: 72, y: 712, size: 13 },
  { text: 'Invoice date: 14 March 2024', x: 72, y: 680, size: 13 },
  { text: 'Due date: 13 April 2024', x: 72, y: 662, size: 13 },
  { text: 'Description Quantity Amount', x: 72, y: 620, size: 13 },
  { text: 'Consulting services March 12 1,800.00', x: 72, y: 600, size: 13 },
  { text: 'Travel expenses 1 245.50', x: 72, y: 582, size: 13 },
  { text: 'Software licence renewal 3 360.00', x: 72, y: 564, size: 13 },
  { text: 'Subtotal 2,405.50', x: 300, y: 530, size: 13 },
  { text: 'VAT at 20 percent 481.10', x: 300, y: 512, size: 13 },
  { text: 'Total due GBP 2,886.60', x: 300, y: 494, size: 13 },
  { text: 'Payment by bank transfer within thirty days of the invoice date.', x: 72, y: 450, size: 11 },
  { text: 'Thank you for your business and prompt payment.', x: 72, y: 434, size: 11 },
];

export async function makeTextPdf(
  pages: PlacedLine[][],
  options: { rotate?: number; size?: { width: number; height: number } } = {},
): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const size = options.size ?? A4;
    const page = doc.addPage([size.width, size.height]);
    if (options.rotate) page.setRotation(degrees(options.rotate));
    for (const l of lines) page.drawText(l.text, { x: l.x, y: l.y, size: l.size, font });
  }
  // No object streams: the byte-level tests cut and inspect the file.
  return doc.save({ useObjectStreams: false });
}

/** A PDF whose pages are only images, as a scanner makes them. */
export async function makeScannedPdf(pngs: Buffer[], dpi: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  for (const png of pngs) {
    const image = await doc.embedPng(png);
    const w = (image.width * 72) / dpi;
    const h = (image.height * 72) / dpi;
    const page = doc.addPage([w, h]);
    page.drawImage(image, { x: 0, y: 0, width: w, height: h });
  }
  return doc.save();
}

export async function renderPdfPage(bytes: Uint8Array, pageNumber: number, dpi: number): Promise<Buffer> {
  const pdf = await openPdf(bytes);
  try {
    return await pdf.renderPage(pageNumber, dpi);
  } finally {
    await pdf.close();
  }
}

/** The invoice page as a 300 dpi grayscale PNG: what a clean scan of it looks like. */
export async function invoiceScan(dpi = 300): Promise<Buffer> {
  const png = await renderPdfPage(await makeTextPdf([INVOICE_LINES]), 1, dpi);
  return sharp(png).grayscale().png().toBuffer();
}

export async function makeTiff(pages: Buffer[]): Promise<Buffer> {
  return sharp(pages, { join: { animated: true } })
    .tiff({ compression: 'lzw' })
    .toBuffer();
}

// --- A PDF encrypted with the standard security handler (RC4, 40-bit, revision 2) ----------
// pdf-lib cannot encrypt, so this follows PDF 1.7 §7.6.3 (algorithms 2, 3 and 4) by hand.

const PASSWORD_PAD = Buffer.from('28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a', 'hex');

function rc4(key: Buffer, data: Buffer): Buffer {
  const s = Array.from({ length: 256 }, (_, i) => i);
  let j = 0;
  for (let i = 0; i < 256; i++) {
    j = (j + s[i]! + key[i % key.length]!) & 255;
    [s[i], s[j]] = [s[j]!, s[i]!];
  }
  const out = Buffer.alloc(data.length);
  let i = 0;
  j = 0;
  for (let k = 0; k < data.length; k++) {
    i = (i + 1) & 255;
    j = (j + s[i]!) & 255;
    [s[i], s[j]] = [s[j]!, s[i]!];
    out[k] = data[k]! ^ s[(s[i]! + s[j]!) & 255]!;
  }
  return out;
}

function padPassword(pw: string): Buffer {
  return Buffer.concat([Buffer.from(pw, 'latin1'), PASSWORD_PAD]).subarray(0, 32);
}

const md5 = (...parts: Buffer[]) => createHash('md5').update(Buffer.concat(parts)).digest();

/** One page saying `text`, readable only with `userPassword`. */
export function makeEncryptedPdf(text: string, userPassword: string, ownerPassword = 'owner'): Uint8Array {
  const id = createHash('md5').update('paperline-test').digest();
  const permissions = -44;
  const pBytes = Buffer.alloc(4);
  pBytes.writeInt32LE(permissions);
  const owner = rc4(md5(padPassword(ownerPassword)).subarray(0, 5), padPassword(userPassword));
  const fileKey = md5(padPassword(userPassword), owner, pBytes, id).subarray(0, 5);
  const user = rc4(fileKey, PASSWORD_PAD);
  const objectKey = (num: number) =>
    md5(fileKey, Buffer.from([num & 255, (num >> 8) & 255, (num >> 16) & 255, 0, 0])).subarray(0, 10);

  const content = Buffer.from(`BT /F1 24 Tf 72 720 Td (${text}) Tj ET`, 'latin1');
  const encrypted = rc4(objectKey(4), content);
  const objects: Buffer[] = [
    Buffer.from('<< /Type /Catalog /Pages 2 0 R >>'),
    Buffer.from('<< /Type /Pages /Kids [3 0 R] /Count 1 >>'),
    Buffer.from(
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    ),
    Buffer.concat([
      Buffer.from(`<< /Length ${encrypted.length} >>\nstream\n`),
      encrypted,
      Buffer.from('\nendstream'),
    ]),
    Buffer.from('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'),
    Buffer.from(
      `<< /Filter /Standard /V 1 /R 2 /O <${owner.toString('hex')}> /U <${user.toString('hex')}> /P ${permissions} >>`,
    ),
  ];
  const chunks: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  const offsets: number[] = [];
  let length = chunks[0]!.length;
  objects.forEach((body, i) => {
    offsets.push(length);
    const chunk = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), body, Buffer.from('\nendobj\n')]);
    chunks.push(chunk);
    length += chunk.length;
  });
  const xref = [
    'xref',
    `0 ${objects.length + 1}`,
    '0000000000 65535 f ',
    ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n `),
    'trailer',
    `<< /Size ${objects.length + 1} /Root 1 0 R /Encrypt 6 0 R /ID [<${id.toString('hex')}> <${id.toString('hex')}>] >>`,
    'startxref',
    String(length),
    '%%EOF',
    '',
  ].join('\n');
  chunks.push(Buffer.from(xref));
  return new Uint8Array(Buffer.concat(chunks));
}

/** Share of the dark pixels of a grayscale image inside a box, to check boxes land on ink. */
export async function inkIn(
  png: Buffer,
  box: { x0: number; y0: number; x1: number; y1: number },
): Promise<number> {
  const left = Math.max(0, Math.floor(box.x0));
  const top = Math.max(0, Math.floor(box.y0));
  const { data, info } = await sharp(png)
    .flatten({ background: '#fff' })
    .grayscale()
    .extract({
      left,
      top,
      width: Math.max(1, Math.ceil(box.x1) - left),
      height: Math.max(1, Math.ceil(box.y1) - top),
    })
    .raw()
    .toBuffer({ resolveWithObject: true });
  let dark = 0;
  for (let i = 0; i < data.length; i += info.channels) if (data[i]! < 128) dark++;
  return dark / (data.length / info.channels);
}
