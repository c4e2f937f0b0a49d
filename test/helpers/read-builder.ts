import type { Line, ReadResult, Word } from '../../schemas/read.ts';

export interface BuildOptions {
  /** Confidence of every word; below 1 makes the page an OCR page. Default 1 (text layer). */
  confidence?: number;
  /** Character width in px. Default 10. */
  charWidth?: number;
  /** Line pitch in px. Default 30. */
  lineHeight?: number;
  /** Page width in px. Default 1700 (A4 at 200 dpi). */
  width?: number;
}

/**
 * A ReadResult from plain text, for tests: one line per string, words placed in monospace.
 * "|" splits a line into columns: the part after the n-th bar starts at `n * width / 3`,
 * the way a right-hand value column sits apart from its label. A leading run of spaces
 * indents the line. Pass an array of pages to make several pages.
 */
export function readFromText(pages: string[] | string[][], opts: BuildOptions = {}): ReadResult {
  const list = (typeof pages[0] === 'string' ? [pages] : pages) as string[][];
  const cw = opts.charWidth ?? 10;
  const lh = opts.lineHeight ?? 30;
  const width = opts.width ?? 1700;
  const confidence = opts.confidence ?? 1;
  return {
    pages: list.map((rows, p) => {
      const lines: Line[] = [];
      rows.forEach((raw, i) => {
        const y0 = 50 + i * lh;
        const y1 = y0 + lh * 0.7;
        const words: Word[] = [];
        raw.split(/ ?\| ?/).forEach((part, col) => {
          const start = col === 0 ? 50 : 50 + (col * width) / 3;
          for (const m of part.matchAll(/\S+/g)) {
            const x0 = start + m.index * cw;
            words.push({ text: m[0], box: { x0, y0, x1: x0 + m[0].length * cw, y1 }, confidence });
          }
        });
        if (words.length === 0) return;
        lines.push({
          text: words.map((w) => w.text).join(' '),
          box: { x0: words[0]!.box.x0, y0, x1: words.at(-1)!.box.x1, y1 },
          confidence,
          words,
        });
      });
      return {
        number: p + 1,
        source: confidence < 1 ? 'ocr' : 'text-layer',
        width,
        height: 50 + rows.length * lh + 50,
        dpi: 200,
        lines,
        preprocess: confidence < 1 ? { rotation: 0, deskewAngle: 0, scale: 1, steps: [] } : null,
        ocrConfidence: confidence < 1 ? confidence : null,
      };
    }),
  };
}
