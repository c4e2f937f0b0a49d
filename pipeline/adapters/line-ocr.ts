import sharp from 'sharp';
import type { Line } from '../../schemas/read.ts';
import { PipelineError } from '../errors.ts';

/** A line's middle, from its left end to its right, and its height across. */
export interface LineMiddle {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  h: number;
}

/** A line as the line reader gives it: no words yet, and the middle of a slanted line. */
export type ReaderLine = Line & { middle?: LineMiddle };

/**
 * A second recogniser that reads whole lines: PaddleOCR's PP-OCRv4 detection and recognition
 * models run by onnxruntime (through @gutenye/ocr-node, models bundled in the package, nothing
 * fetched). It reads characters on thermal and dot-matrix receipts far better than
 * Tesseract, but gives one box and one confidence per line and drops spaces on small print,
 * so its lines are fused with Tesseract's words (pipeline/ocr-fusion.ts), never used alone.
 */
export interface LineOcr {
  /** The text lines of a page image, boxes in that image's pixels. */
  readLines(png: Buffer): Promise<ReaderLine[]>;
  close(): Promise<void>;
}

export interface LineOcrOptions {
  /** Longest a page may take. Default 120 s. */
  timeoutMs?: number;
  /**
   * The page is read at most this many pixels on its long side: detection time grows with
   * the area, and text 10–30 px high is what the models read best. Default 1600.
   */
  maxSide?: number;
}

type PaddleLine = { text: string; mean: number; box: number[][] };
type PaddleOcr = { detect(image: Buffer): Promise<PaddleLine[]> };

const pad32 = (n: number) => Math.ceil(n / 32) * 32 - n;

export function createLineOcr(options: LineOcrOptions = {}): LineOcr {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const maxSide = options.maxSide ?? 1600;
  let engine: Promise<PaddleOcr> | null = null;
  const load = () => {
    engine ??= import('@gutenye/ocr-node').then(({ default: Ocr }) =>
      // One thread each: the Tesseract workers already keep every core busy.
      Ocr.create({ onnxOptions: { intraOpNumThreads: 1, interOpNumThreads: 1 } } as never),
    ) as Promise<PaddleOcr>;
    return engine;
  };
  return {
    async readLines(png) {
      let timer: NodeJS.Timeout | undefined;
      try {
        const meta = await sharp(png).metadata();
        const width = meta.width ?? 0;
        const height = meta.height ?? 0;
        const f = Math.min(1, maxSide / Math.max(1, width, height));
        const w = Math.max(1, Math.round(width * f));
        const h = Math.max(1, Math.round(height * f));
        // The detector stretches its input to multiples of 32 px and gives boxes in that
        // stretched space (1601 px tall read as 1632: lines 2% too low, onto the next row at
        // the foot of a receipt). Padded with paper to those multiples, nothing is stretched.
        const input = await sharp(png)
          .resize(w, h, { fit: 'fill' })
          .extend({ right: pad32(w), bottom: pad32(h), background: '#ffffff' })
          .flatten({ background: '#ffffff' })
          .png()
          .toBuffer();
        const sx = width / w;
        const sy = height / h;
        const ocr = await load();
        const found = await Promise.race([
          ocr.detect(input),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`reading lines took longer than ${Math.round(timeoutMs / 1000)} s`)),
              timeoutMs,
            );
          }),
        ]);
        return found.flatMap((l): ReaderLine[] => {
          // The model reads Chinese too: full-width brackets and colons, and "·" for a speck.
          const text = l.text.normalize('NFKC').replace(/·/g, ' ').replace(/\s+/g, ' ').trim();
          if (!text) return [];
          const xs = l.box.map((p) => p[0]! * sx);
          const ys = l.box.map((p) => p[1]! * sy);
          const box = { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
          const confidence = Math.max(0, Math.min(1, l.mean));
          // The box is a quadrilateral, clockwise from the top left: a slanted line's middle
          // runs from the middle of its left side to the middle of its right side.
          const [tl, tr, br, bl] = l.box.map((pt) => [pt[0]! * sx, pt[1]! * sy] as const);
          const middle =
            tl && tr && br && bl
              ? {
                  x0: (tl[0] + bl[0]) / 2,
                  y0: (tl[1] + bl[1]) / 2,
                  x1: (tr[0] + br[0]) / 2,
                  y1: (tr[1] + br[1]) / 2,
                  h: Math.max(1, (bl[1] - tl[1] + br[1] - tr[1]) / 2),
                }
              : undefined;
          return [{ text, box, confidence, words: [], ...(middle ? { middle } : {}) }];
        });
      } catch (e) {
        throw new PipelineError('internal-error', `The line reader failed: ${(e as Error).message}`, {
          retryable: true,
        });
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      // onnxruntime sessions free their memory with the process; nothing holds it open.
      engine = null;
    },
  };
}
