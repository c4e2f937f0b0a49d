import { createHash } from 'node:crypto';
import { mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_INGEST_LIMITS, ingestFile, sniffFormat } from '../pipeline/ingest.ts';
import { makeTextPdf } from './helpers/documents.ts';

let dir: string;
let png: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paperline-ingest-'));
  png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#ffffff' } })
    .png()
    .toBuffer();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function put(name: string, bytes: Uint8Array | string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

describe('sniffFormat', () => {
  it('recognises each supported format by its magic bytes', async () => {
    const white = sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } });
    expect(sniffFormat(await white.clone().png().toBuffer())).toBe('png');
    expect(sniffFormat(await white.clone().jpeg().toBuffer())).toBe('jpeg');
    expect(sniffFormat(await white.clone().tiff().toBuffer())).toBe('tiff');
    expect(sniffFormat(await white.clone().webp().toBuffer())).toBe('webp');
    expect(sniffFormat(await makeTextPdf([[]]))).toBe('pdf');
  });

  it('finds a PDF header behind junk bytes, but only within the first KB', () => {
    const body = Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF');
    expect(sniffFormat(Buffer.concat([Buffer.alloc(300, 0x20), body]))).toBe('pdf');
    expect(sniffFormat(Buffer.concat([Buffer.alloc(2000, 0x20), body]))).toBeNull();
  });

  it('returns null for text, GIFs and empty input', () => {
    expect(sniffFormat(Buffer.from('hello, this is not an image'))).toBeNull();
    expect(sniffFormat(Buffer.from('GIF89a......'))).toBeNull();
    expect(sniffFormat(new Uint8Array())).toBeNull();
  });
});

describe('ingestFile', () => {
  it('accepts a PNG with its hash and size', async () => {
    const outcome = await ingestFile(await put('scan.png', png), DEFAULT_INGEST_LIMITS);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.file.format).toBe('png');
    expect(outcome.file.fileName).toBe('scan.png');
    expect(outcome.file.sizeBytes).toBe(png.length);
    expect(outcome.file.sha256).toBe(createHash('sha256').update(png).digest('hex'));
    expect(Buffer.from(outcome.file.bytes).equals(png)).toBe(true);
  });

  it('accepts a PNG named .jpg, recognised by its bytes', async () => {
    const outcome = await ingestFile(await put('photo.jpg', png), DEFAULT_INGEST_LIMITS);
    expect(outcome.ok && outcome.file.format).toBe('png');
  });

  it('accepts a PDF with no extension at all', async () => {
    const outcome = await ingestFile(await put('download', await makeTextPdf([[]])), DEFAULT_INGEST_LIMITS);
    expect(outcome.ok && outcome.file.format).toBe('pdf');
  });

  it('refuses an empty file', async () => {
    const outcome = await ingestFile(await put('empty.pdf', ''), DEFAULT_INGEST_LIMITS);
    expect(outcome).toEqual({
      ok: false,
      failure: { code: 'empty-file', message: 'The file is empty (0 bytes).' },
    });
  });

  it('calls a text file named .png mislabelled and says what it is', async () => {
    const outcome = await ingestFile(
      await put('receipt.png', 'Total 12.00\nThank you\n'),
      DEFAULT_INGEST_LIMITS,
    );
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.failure.code).toBe('mislabelled');
    expect(outcome.failure.message).toMatch(/PNG/);
    expect(outcome.failure.message).toMatch(/plain text/);
  });

  it('names an HTML page saved as .pdf', async () => {
    const outcome = await ingestFile(
      await put('invoice.pdf', '<!DOCTYPE html><html><body>404</body></html>'),
      {},
    );
    expect(!outcome.ok && outcome.failure.code).toBe('mislabelled');
    expect(!outcome.ok && outcome.failure.message).toMatch(/HTML page/);
  });

  it('refuses unknown bytes under an unknown extension as unsupported', async () => {
    const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 1, 2, 3, 4]);
    const outcome = await ingestFile(await put('contract.docx', zip), DEFAULT_INGEST_LIMITS);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.failure.code).toBe('unsupported-type');
    expect(outcome.failure.message).toMatch(/ZIP/);
  });

  it('refuses a GIF as unsupported, not as mislabelled', async () => {
    const outcome = await ingestFile(await put('scan.gif', Buffer.from('GIF89a\x01\x00\x01\x00')), {});
    expect(!outcome.ok && outcome.failure.code).toBe('unsupported-type');
    expect(!outcome.ok && outcome.failure.message).toMatch(/GIF/);
  });

  it('refuses a file over the size limit before reading it', async () => {
    const outcome = await ingestFile(await put('big.png', png), {
      ...DEFAULT_INGEST_LIMITS,
      maxFileBytes: 64,
    });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.failure.code).toBe('too-large');
    expect(outcome.failure.message).toMatch(/limit/);
  });

  it('reports a missing file as unreadable instead of throwing', async () => {
    const outcome = await ingestFile(join(dir, 'nope.pdf'), DEFAULT_INGEST_LIMITS);
    expect(!outcome.ok && outcome.failure.code).toBe('unreadable');
  });

  it('has the documented default limits', () => {
    expect(DEFAULT_INGEST_LIMITS).toEqual({
      maxFileBytes: 50 * 1024 * 1024,
      maxPages: 50,
      maxPixels: 100_000_000,
    });
  });
});

describe('symbolic links', () => {
  it('follows a link to a file inside the folder, and refuses one leading out of it', async () => {
    const inside = await put('target.png', png);
    await symlink(inside, join(dir, 'inside-link.png'));
    await symlink('/etc/hostname', join(dir, 'outside-link.pdf'));
    const root = await realpath(dir);
    const ok = await ingestFile(join(dir, 'inside-link.png'), DEFAULT_INGEST_LIMITS, { within: root });
    expect(ok.ok && ok.file.fileName).toBe('inside-link.png');
    const out = await ingestFile(join(dir, 'outside-link.pdf'), DEFAULT_INGEST_LIMITS, { within: root });
    expect(!out.ok && out.failure).toMatchObject({
      code: 'unreadable',
      message: expect.stringMatching(/outside the folder/),
    });
    // Named on the command line (no folder to stay in), the user's own link is followed.
    const named = await ingestFile(join(dir, 'inside-link.png'), DEFAULT_INGEST_LIMITS);
    expect(named.ok).toBe(true);
  });

  it('reports a link loop and a dangling link instead of throwing', async () => {
    await symlink('loop.pdf', join(dir, 'loop.pdf'));
    await symlink('missing.pdf', join(dir, 'dangling.pdf'));
    const root = await realpath(dir);
    for (const [name, text] of [
      ['loop.pdf', /back to itself/],
      ['dangling.pdf', /does not exist/],
    ] as const) {
      const outcome = await ingestFile(join(dir, name), DEFAULT_INGEST_LIMITS, { within: root });
      expect(!outcome.ok && outcome.failure.code, name).toBe('unreadable');
      expect(!outcome.ok && outcome.failure.message, name).toMatch(text);
    }
  });
});

describe('files too small or too blank to be documents', () => {
  it('calls a one-byte file empty and a file of zeros corrupt', async () => {
    const one = await ingestFile(await put('one.pdf', '%'), {});
    expect(!one.ok && one.failure).toMatchObject({
      code: 'empty-file',
      message: expect.stringMatching(/1 byte/),
    });
    const zeros = await ingestFile(await put('zeros.pdf', Buffer.alloc(4096)), {});
    expect(!zeros.ok && zeros.failure.code).toBe('corrupt');
  });

  it('names a ZIP with a PDF in it as a ZIP, not a PDF', () => {
    const zip = Buffer.concat([
      Buffer.from('PK\x03\x04', 'latin1'),
      Buffer.alloc(26),
      Buffer.from('a.pdf%PDF-1.7\n'),
    ]);
    expect(sniffFormat(zip)).toBeNull();
  });
});
