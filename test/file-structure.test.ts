import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { imageIntegrity, pdfStructure, undecodableTiffCompression } from '../pipeline/file-structure.ts';
import { makeTextPdf } from './helpers/documents.ts';

/** Cut short or damaged, told from the bytes: the verdicts that decide `truncated` vs `corrupt`. */

let png: Buffer;
let jpeg: Buffer;
let webp: Buffer;
let tiff: Buffer;

beforeAll(async () => {
  const img = () => sharp({ create: { width: 64, height: 48, channels: 3, background: '#88aacc' } });
  [png, jpeg, webp, tiff] = await Promise.all([
    img().png().toBuffer(),
    img().jpeg().toBuffer(),
    img().webp().toBuffer(),
    img().tiff({ compression: 'lzw' }).toBuffer(),
  ]);
});

describe('image integrity', () => {
  it('finds every whole image complete, scanner padding after a JPEG included', () => {
    for (const b of [png, jpeg, webp, tiff]) expect(imageIntegrity(b)).toBe('complete');
    expect(imageIntegrity(Buffer.concat([jpeg, Buffer.alloc(300)]))).toBe('complete');
  });

  it('finds each one cut in half truncated', () => {
    for (const b of [png, jpeg, webp, tiff]) {
      expect(imageIntegrity(b.subarray(0, Math.floor(b.length / 2)))).toBe('truncated');
    }
  });

  it('finds random bytes after a PNG signature malformed, not truncated', () => {
    const junk = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 131 + 7) & 255));
    expect(imageIntegrity(Buffer.concat([png.subarray(0, 8), junk]))).toBe('malformed');
  });

  it('names a TIFF compression libtiff cannot decode, and passes LZW', () => {
    expect(undecodableTiffCompression(tiff)).toBeNull();
    const patched = Buffer.from(tiff);
    const ifd = patched.readUInt32LE(4);
    for (let i = 0; i < patched.readUInt16LE(ifd); i++) {
      const at = ifd + 2 + i * 12;
      if (patched.readUInt16LE(at) === 259) patched.writeUInt16LE(34712, at + 8);
    }
    expect(undecodableTiffCompression(patched)).toMatch(/JPEG 2000/);
  });
});

describe('PDF structure', () => {
  it('tells a cut PDF from a header with junk, and spots a ZIP appended after %%EOF', async () => {
    const pdf = Buffer.from(await makeTextPdf([[{ text: 'Hello there', x: 72, y: 700, size: 12 }]]));
    expect(pdfStructure(pdf)).toMatchObject({ integrity: 'complete', pagesVisible: true, appended: null });
    expect(pdfStructure(pdf.subarray(0, pdf.length / 2)).integrity).toBe('truncated');
    expect(pdfStructure(Buffer.from('%PDF-1.7\n')).integrity).toBe('truncated');
    const junk = Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 197 + 3) & 255));
    expect(pdfStructure(Buffer.concat([Buffer.from('%PDF-1.4\n'), junk])).integrity).toBe('malformed');
    const zipped = Buffer.concat([pdf, Buffer.from('PK\x03\x04 rest of a zip', 'latin1')]);
    expect(pdfStructure(zipped).appended).toBe('a ZIP archive');
  });
});
