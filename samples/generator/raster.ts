import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

/** A rendered page: RGBA pixels straight from the canvas. */
export interface RasterPage {
  width: number;
  height: number;
  dpi: number;
  /** PNG bytes. */
  png: Buffer;
}

function standardFontDataUrl(): string {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('pdfjs-dist/package.json'));
  // In Node pdfjs reads this with fs.readFile(base + name): a plain path, not a file: URL,
  // or it silently falls back to a substitute font and the scans stop looking like the PDF.
  return `${join(root, 'standard_fonts')}/`;
}

/** A run of text on a PDF page, its box in points from the bottom-left corner. */
export interface TextRun {
  text: string;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The text runs of each page (empty for image-only PDFs), for checks on what a page shows. */
export async function pdfTextRuns(pdf: Uint8Array): Promise<TextRun[][]> {
  const doc = await getDocument({
    data: new Uint8Array(pdf),
    standardFontDataUrl: standardFontDataUrl(),
    verbosity: 0,
    isEvalSupported: false,
  }).promise;
  try {
    const pages: TextRun[][] = [];
    for (let i = 1; i <= doc.numPages; i++) {
      const content = await (await doc.getPage(i)).getTextContent();
      const runs: TextRun[] = [];
      for (const item of content.items) {
        if (!('str' in item) || !item.str.trim()) continue;
        const [x, y] = [item.transform[4] as number, item.transform[5] as number];
        // Descenders reach about a fifth of the size below the baseline, capitals 0.75 above.
        runs.push({
          text: item.str,
          x0: x,
          x1: x + item.width,
          y0: y - item.height * 0.2,
          y1: y + item.height * 0.75,
        });
      }
      pages.push(runs);
    }
    return pages;
  } finally {
    await doc.destroy();
  }
}

/** The text layer of each page, runs joined by single spaces; empty for image-only PDFs. */
export async function pdfText(pdf: Uint8Array): Promise<string[]> {
  const pages = await pdfTextRuns(pdf);
  return pages.map((runs) =>
    runs
      .map((r) => r.text)
      .join(' ')
      .replace(/\s+/g, ' ')
      .trim(),
  );
}

/** Renders every page of a PDF at `dpi` (pdfjs wants a Uint8Array it may detach, so copy). */
export async function rasterise(pdf: Uint8Array, dpi: number): Promise<RasterPage[]> {
  const task = getDocument({
    data: new Uint8Array(pdf),
    standardFontDataUrl: standardFontDataUrl(),
    verbosity: 0,
    isEvalSupported: false,
  });
  const doc = await task.promise;
  try {
    const pages: RasterPage[] = [];
    for (let i = 1; i <= doc.numPages; i++) {
      const page = await doc.getPage(i);
      const viewport = page.getViewport({ scale: dpi / 72 });
      const width = Math.round(viewport.width);
      const height = Math.round(viewport.height);
      const factory = doc.canvasFactory as {
        create(w: number, h: number): { canvas: CanvasLike; context: unknown };
      };
      const { canvas, context } = factory.create(width, height);
      await page.render({ canvasContext: context, viewport, canvas } as never).promise;
      pages.push({ width, height, dpi, png: canvas.toBuffer('image/png') });
      page.cleanup();
    }
    return pages;
  } finally {
    await doc.destroy();
  }
}

interface CanvasLike {
  toBuffer(mime: 'image/png'): Buffer;
}
