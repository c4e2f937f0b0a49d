import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { processCommand } from '../cli/process.command.ts';
import { createOcrPool, type OcrPool } from '../pipeline/adapters/ocr.ts';
import type { IngestedFile } from '../pipeline/ingest.ts';
import { readDocument, renderPdfPageImage } from '../pipeline/read.ts';
import { getPages } from '../pipeline/repository.ts';
import { INVOICE_LINES, inkIn, makeTextPdf } from './helpers/documents.ts';
import { INBOX_DIR } from './helpers/inbox.ts';
import { type ReviewService, startReviewService } from './helpers/review-service.ts';

/** Every page the PDF adapter draws, counted: a text-layer page must not be drawn until asked for. */
const drawn = vi.hoisted(() => ({ pages: [] as { page: number; dpi: number }[] }));
vi.mock('../pipeline/adapters/pdf.ts', async (original) => {
  const real = await original<typeof import('../pipeline/adapters/pdf.ts')>();
  return {
    ...real,
    openPdf: async (...args: Parameters<typeof real.openPdf>) => {
      const pdf = await real.openPdf(...args);
      const render = pdf.renderPage.bind(pdf);
      pdf.renderPage = (page, dpi) => {
        drawn.pages.push({ page, dpi });
        return render(page, dpi);
      };
      return pdf;
    },
  };
});

function pdfFile(bytes: Uint8Array, fileName: string): IngestedFile {
  return {
    path: fileName,
    fileName,
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    format: 'pdf',
    sizeBytes: bytes.length,
  };
}

beforeEach(() => {
  drawn.pages.length = 0;
});

describe('reading a text-layer PDF', () => {
  let ocr: OcrPool;
  beforeAll(() => {
    ocr = createOcrPool({ size: 1 });
  });
  afterAll(async () => {
    await ocr.close();
  });

  it('draws no page, and the page drawn later is the size of its boxes’ space', async () => {
    const file = pdfFile(await makeTextPdf([INVOICE_LINES, INVOICE_LINES]), 'two.pdf');
    const read = await readDocument(file, { ocr });
    expect(read.pages.map((p) => p.source)).toEqual(['text-layer', 'text-layer']);
    expect(read.pageImages).toEqual([null, null]);
    expect(drawn.pages).toEqual([]);

    const page = read.pages[1]!;
    const png = await renderPdfPageImage(file.bytes, 2, page.dpi);
    expect(drawn.pages).toEqual([{ page: 2, dpi: 300 }]);
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height]).toEqual([page.width, page.height]);
    // The words sit where their boxes say: ink inside the box of "Northwind".
    const northwind = page.lines.flatMap((l) => l.words).find((w) => w.text === 'Northwind')!;
    expect(await inkIn(png, northwind.box)).toBeGreaterThan(0.08);
  });

  it('draws them while reading when asked to', async () => {
    const file = pdfFile(await makeTextPdf([INVOICE_LINES]), 'one.pdf');
    const read = await readDocument(file, { ocr }, { renderTextLayerPages: true });
    expect(drawn.pages).toEqual([{ page: 1, dpi: 300 }]);
    const meta = await sharp(read.pageImages[0]!).metadata();
    expect([meta.width, meta.height]).toEqual([read.pages[0]!.width, read.pages[0]!.height]);
  });
});

describe('paperline process', () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'paperline-pageimages-'));
  });
  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  const quietly = async (fn: () => Promise<void>) => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const errors = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await fn();
    } finally {
      write.mockRestore();
      errors.mockRestore();
    }
  };

  it('writes no page images unless --page-images asks, then one per page of each document', async () => {
    const input = join(INBOX_DIR, 'doc-001.pdf');
    await quietly(() => processCommand([input], { out, concurrency: '1' }));
    expect(drawn.pages).toEqual([]);
    expect(existsSync(join(out, 'pages'))).toBe(false);

    await quietly(() => processCommand([input], { out, concurrency: '1', pageImages: true }));
    const written = (await readdir(join(out, 'pages'), { recursive: true })).map(String).sort();
    expect(written).toHaveLength(2);
    const [id, image] = written as [string, string];
    expect(image).toBe(join(id, '1.png'));
    expect(drawn.pages).toHaveLength(1);
    expect((await sharp(join(out, 'pages', image)).metadata()).format).toBe('png');

    // The next run without the option replaces the folder's results, old pictures included.
    await quietly(() => processCommand([input], { out, concurrency: '1' }));
    expect(existsSync(join(out, 'pages'))).toBe(false);
  }, 120_000);
});

describe('the review API', () => {
  let s: ReviewService;
  let documentId: string;
  let puts: string[];
  let drawnWhileProcessing: unknown[];

  beforeAll(async () => {
    s = await startReviewService();
    puts = [];
    const put = s.svc.store.put.bind(s.svc.store);
    s.svc.store.put = (key, bytes, type) => {
      puts.push(key);
      return put(key, bytes, type);
    };
    drawn.pages.length = 0;
    // doc-005 is a digital invoice that goes to review (its total is not subtotal + tax).
    const [doc] = await s.upload([join(INBOX_DIR, 'doc-005.pdf')]);
    documentId = doc!.documentId;
    drawnWhileProcessing = [...drawn.pages];
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  const getImage = () =>
    fetch(`${s.baseUrl}/v1/documents/${documentId}/pages/1`, {
      headers: { authorization: `Bearer ${s.keys.reviewer}` },
    });

  it('stores no image while processing; draws the page on the first request and then serves it from storage', async () => {
    // Processing read the page's text layer and drew nothing, so nothing but the original was stored.
    expect(drawnWhileProcessing).toEqual([]);
    expect(puts.filter((k) => k.startsWith('pages/'))).toEqual([]);
    const [stored] = await getPages(s.svc.db, documentId);
    expect(stored!.read.source).toBe('text-layer');
    expect(await s.svc.store.get(stored!.imageKey)).toBeNull();

    const first = await getImage();
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await first.arrayBuffer());
    expect(drawn.pages).toEqual([{ page: 1, dpi: stored!.read.dpi }]);
    expect(puts.filter((k) => k.startsWith('pages/'))).toEqual([stored!.imageKey]);

    // The picture is the space the evidence boxes are in: same size, and ink under the total's box.
    const doc = await s.call(s.keys.reviewer, 'GET', `/v1/documents/${documentId}`);
    const page = (doc.body.pages as { width: number; height: number }[])[0]!;
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height]).toEqual([page.width, page.height]);
    const fields = doc.body.fields as Record<string, { evidence: { page: number; box: never }[] }>;
    const box = fields.total!.evidence[0]!.box;
    expect(await inkIn(png, box)).toBeGreaterThan(0.05);

    const second = await getImage();
    expect(second.status).toBe(200);
    expect(Buffer.from(await second.arrayBuffer()).equals(png)).toBe(true);
    expect(drawn.pages).toHaveLength(1);
    expect(puts.filter((k) => k.startsWith('pages/'))).toHaveLength(1);
  });

  it('answers 404 for a page the document does not have', async () => {
    const r = await fetch(`${s.baseUrl}/v1/documents/${documentId}/pages/2`, {
      headers: { authorization: `Bearer ${s.keys.reviewer}` },
    });
    expect(r.status).toBe(404);
    expect(drawn.pages).toEqual([]);
  });
});
