import sharp from 'sharp';
import type { Box } from '../../schemas/common.ts';

export interface Highlight {
  box: Box;
  /** CSS colour of the outline. */
  colour: string;
}

/**
 * A picture of where values were read: the page image with each box outlined, cropped to the
 * boxes plus a margin (or the whole page when there are none) and scaled to `maxWidth`.
 */
export async function drawEvidence(
  pagePng: Buffer,
  highlights: Highlight[],
  opts: { margin?: number; maxWidth?: number } = {},
): Promise<Buffer> {
  const margin = opts.margin ?? 120;
  const meta = await sharp(pagePng).metadata();
  const width = meta.width ?? 1;
  const height = meta.height ?? 1;
  const rects = highlights
    .map(({ box, colour }) => {
      const w = Math.max(1, box.x1 - box.x0);
      const h = Math.max(1, box.y1 - box.y0);
      return `<rect x="${box.x0 - 4}" y="${box.y0 - 4}" width="${w + 8}" height="${h + 8}" fill="none" stroke="${colour}" stroke-width="6"/>`;
    })
    .join('');
  const svg = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${rects}</svg>`,
  );
  const drawn = await sharp(pagePng)
    .flatten({ background: '#fff' })
    .composite([{ input: svg }])
    .png()
    .toBuffer();

  let region = { left: 0, top: 0, width, height };
  if (highlights.length > 0) {
    // Full width, so the label to the left of a value stays in the picture.
    const y0 = Math.max(0, Math.round(Math.min(...highlights.map((h) => h.box.y0)) - margin));
    const y1 = Math.min(height, Math.round(Math.max(...highlights.map((h) => h.box.y1)) + margin));
    region = { left: 0, top: y0, width, height: Math.max(1, y1 - y0) };
  }
  return sharp(drawn)
    .extract(region)
    .resize({ width: Math.min(opts.maxWidth ?? 900, region.width), withoutEnlargement: true })
    .png()
    .toBuffer();
}
