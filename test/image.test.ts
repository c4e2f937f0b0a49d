import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagePageCount, inferDpi, loadImagePage, preprocess, turnHalf } from '../pipeline/adapters/image.ts';
import { createOcrPool, type OcrPool } from '../pipeline/adapters/ocr.ts';
import { isPipelineError } from '../pipeline/errors.ts';
import { invoiceScan, makeTiff } from './helpers/documents.ts';
import { pngBomb } from './helpers/hostile-corpus.ts';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    return isPipelineError(e) ? e.code : `not a PipelineError: ${e}`;
  }
  return 'no error';
}

const solid = (background: string, width = 120, height = 80) =>
  sharp({ create: { width, height, channels: 3, background } })
    .png()
    .toBuffer();

describe('loading image pages', () => {
  it('counts and loads the pages of a multi-page TIFF', async () => {
    const tiff = await makeTiff([await solid('#ffffff'), await solid('#000000'), await solid('#808080')]);
    expect(await imagePageCount(tiff)).toBe(3);
    const means = [];
    for (const i of [0, 1, 2]) {
      const page = await loadImagePage(tiff, i);
      expect([page.width, page.height]).toEqual([120, 80]);
      means.push(Math.round((await sharp(page.png).stats()).channels[0]!.mean));
    }
    expect(means).toEqual([255, 0, 128]);
    expect(await codeOf(loadImagePage(tiff, 3))).toBe('internal-error');
  });

  it('turns a photo by its EXIF orientation', async () => {
    const jpeg = await sharp(await solid('#ffffff', 300, 100))
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const page = await loadImagePage(jpeg);
    expect([page.width, page.height]).toEqual([100, 300]);
  });

  it('refuses a page over the pixel limit with the numbers in the message', async () => {
    const big = await solid('#ffffff', 3000, 2000);
    const error = await loadImagePage(big, 0, { maxPixels: 1_000_000 }).catch((e) => e);
    expect(isPipelineError(error) && error.code).toBe('too-many-pixels');
    expect(String(error.message)).toBe('Page 1 is 3000 x 2000 = 6 MP, over the 1 MP limit.');
  });

  it('gives the figure and the limit when a page image is refused while being read', async () => {
    // The header of a 25000 x 25000 PNG, as a pixel bomb carries: refused before any decoding.
    const bomb = pngBomb(25_000, 25_000);
    const error = await preprocess(bomb, { dpi: 300, maxInputPixels: 100_000_000 }).catch((e) => e);
    expect(isPipelineError(error) && error.code).toBe('too-many-pixels');
    expect(String(error.message)).toBe('The page image is 25000 x 25000 = 625 MP, over the 100 MP limit.');
  });

  it('reports a JPEG cut in half as truncated', async () => {
    const jpeg = await sharp(await invoiceScan(100))
      .jpeg()
      .toBuffer();
    expect(await codeOf(loadImagePage(jpeg.subarray(0, Math.floor(jpeg.length / 2))))).toBe('truncated');
  });

  it('reports a PNG whose body is garbage as unreadable, not as a crash', async () => {
    const png = await solid('#ffffff');
    const broken = Buffer.concat([png.subarray(0, 40), Buffer.alloc(400, 0x41)]);
    expect(['corrupt', 'truncated']).toContain(await codeOf(loadImagePage(broken)));
    expect(['corrupt', 'truncated']).toContain(await codeOf(imagePageCount(Buffer.from('not an image'))));
  });

  it('trusts a real density, infers A4 scans, and admits when it cannot tell', () => {
    expect(inferDpi(1000, 1000, 300)).toBe(300);
    expect(inferDpi(2481, 3508, 96)).toBe(300);
    expect(inferDpi(1275, 1650, 72)).toBe(150);
    expect(inferDpi(463, 1013, 72)).toBeNull();
  });
});

describe('preprocess', () => {
  let pool: OcrPool;
  let scan: Buffer;
  const orient = () => ({
    osd: (png: Buffer) => pool.detectOrientation(png),
    readability: async (png: Buffer) => (await pool.recognize(png)).confidence,
  });

  beforeAll(async () => {
    pool = createOcrPool({ size: 2 });
    scan = await invoiceScan(150);
  });
  afterAll(async () => {
    await pool.close();
  });

  it('makes a one-channel grayscale PNG and leaves a straight, upright page alone', async () => {
    const rgba = await sharp(scan).ensureAlpha().png().toBuffer();
    const out = await preprocess(rgba, { dpi: 150, ...orient() });
    const meta = await sharp(out.png).metadata();
    expect(meta.channels).toBe(1);
    expect([meta.width, meta.height]).toEqual([out.width, out.height]);
    expect(out.info.rotation).toBe(0);
    expect(out.info.deskewAngle).toBe(0);
    expect(out.info.steps[0]).toBe('grayscale');
  });

  for (const skew of [3, -4.5, 1.2]) {
    it(`measures and removes a ${skew}° skew`, async () => {
      const skewed = await sharp(scan).rotate(skew, { background: '#ffffff' }).png().toBuffer();
      const out = await preprocess(skewed, { dpi: 150, skip: ['orient', 'upscale'] });
      expect(Math.abs(out.info.deskewAngle - skew)).toBeLessThanOrEqual(0.3);
      expect(out.info.steps).toContain(`deskew-${out.info.deskewAngle}`);
    });
  }

  for (const turn of [90, 180, 270] as const) {
    it(`turns a page scanned ${turn}° clockwise back upright`, async () => {
      const turned = await sharp(scan).rotate(turn).png().toBuffer();
      const out = await preprocess(turned, { dpi: 150, ...orient() });
      expect((turn + out.info.rotation) % 360).toBe(0);
      const upright = await sharp(scan).metadata();
      // Upright again means portrait again.
      expect(out.width < out.height).toBe(upright.width! < upright.height!);
    });
  }

  it('turns and deskews a page that is both sideways and crooked', async () => {
    const crooked = await sharp(await sharp(scan).rotate(90).png().toBuffer())
      .rotate(2.5, { background: '#ffffff' })
      .png()
      .toBuffer();
    const out = await preprocess(crooked, { dpi: 150, ...orient() });
    expect(out.info.rotation).toBe(270);
    expect(Math.abs(out.info.deskewAngle - 2.5)).toBeLessThanOrEqual(0.3);
  });

  it('upscales a low-resolution scan to about 300 dpi, and not a 300 dpi one', async () => {
    const low = await invoiceScan(100);
    const up = await preprocess(low, { dpi: null, skip: ['orient'] });
    expect(up.info.scale).toBeGreaterThan(2);
    expect(up.info.steps.some((s) => s.startsWith('upscale-'))).toBe(true);
    expect(up.dpi).toBeGreaterThan(230);
    expect(up.dpi).toBeLessThan(400);
    expect(up.width).toBe(Math.round((await sharp(low).metadata()).width! * up.info.scale));

    const fine = await preprocess(await invoiceScan(300), { dpi: 300, skip: ['orient'] });
    expect(fine.info.scale).toBe(1);
    expect(fine.dpi).toBe(300);
  });

  it('keeps the output under the pixel cap whatever the upscale wants', async () => {
    const low = await invoiceScan(100);
    const out = await preprocess(low, { dpi: 100, skip: ['orient'], maxOutputPixels: 2_000_000 });
    expect(out.width * out.height).toBeLessThanOrEqual(2_000_000 * 1.01);
  });

  it('turns a preprocessed page half way round on request', async () => {
    const out = await preprocess(scan, { dpi: 150, skip: ['orient', 'deskew', 'upscale'] });
    const turned = await turnHalf(out);
    expect(turned.info.rotation).toBe(180);
    expect([turned.width, turned.height]).toEqual([out.width, out.height]);
    const top = async (png: Buffer) => {
      const strip = await sharp(png)
        .extract({ left: 0, top: 0, width: out.width, height: 200 })
        .raw()
        .toBuffer();
      return strip.reduce((sum, v) => sum + v, 0) / strip.length;
    };
    // The invoice's heading is at the top; turned, the top strip is blank paper.
    expect(await top(turned.png)).toBeGreaterThan(await top(out.png));
  });

  it('erases dotted, dashed and frame rules but keeps the letters', async () => {
    const meta = await sharp(scan).metadata();
    const [w, h] = [meta.width!, meta.height!];
    // Rules in the blank lower part of the page: a dotted line, a dashed one and a frame side.
    const y = Math.round(h * 0.85);
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
      <line x1="100" y1="${y}" x2="${w - 100}" y2="${y}" stroke="#333" stroke-width="2" stroke-dasharray="2 4"/>
      <line x1="100" y1="${y + 40}" x2="${w - 100}" y2="${y + 40}" stroke="#000" stroke-width="2" stroke-dasharray="8 5"/>
      <line x1="60" y1="${y - 120}" x2="60" y2="${h - 20}" stroke="#000" stroke-width="2"/>
    </svg>`;
    const ruled = await sharp(scan)
      .composite([{ input: Buffer.from(svg) }])
      .png()
      .toBuffer();
    const inkIn = async (png: Buffer, top: number, height: number) => {
      const strip = await sharp(png).extract({ left: 0, top, width: w, height }).raw().toBuffer();
      return strip.filter((v) => v < 128).length;
    };
    const plain = await preprocess(ruled, { dpi: 150, skip: ['orient', 'deskew', 'upscale', 'rules'] });
    const cleaned = await preprocess(ruled, { dpi: 150, skip: ['orient', 'deskew', 'upscale'] });
    expect(cleaned.info.steps).toContain('remove-rules');
    expect(await inkIn(plain.png, y - 10, 60)).toBeGreaterThan(1000);
    expect(await inkIn(cleaned.png, y - 10, 60)).toBeLessThan(20);
    // The invoice's text, in the upper part, keeps (nearly) every pixel of ink.
    const text = await inkIn(plain.png, 0, Math.round(h * 0.7));
    expect(await inkIn(cleaned.png, 0, Math.round(h * 0.7))).toBeGreaterThan(0.98 * text);
  });

  it('erases scanner speckle but keeps the text and a colon standing alone', async () => {
    const meta = await sharp(scan).metadata();
    const [w, h] = [meta.width!, meta.height!];
    // Halftone dots of a grey scanner bed over the blank lower part, and a colon on its own.
    const top = Math.round(h * 0.8);
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const dots = Array.from(
      { length: 1500 },
      () =>
        `<rect x="${Math.round(100 + rand() * (w - 400))}" y="${Math.round(top + rand() * (h * 0.15))}" width="2" height="2" fill="#000"/>`,
    ).join('');
    const colon = { x: w - 150, y: top - 80 };
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${dots}
      <rect x="${colon.x}" y="${colon.y}" width="3" height="3" fill="#000"/>
      <rect x="${colon.x}" y="${colon.y + 10}" width="3" height="3" fill="#000"/>
    </svg>`;
    const speckled = await sharp(scan)
      .composite([{ input: Buffer.from(svg) }])
      .png()
      .toBuffer();
    const inkIn = async (png: Buffer, box: { left: number; top: number; width: number; height: number }) =>
      (await sharp(png).extract(box).raw().toBuffer()).filter((v) => v < 128).length;
    const skip = ['orient', 'deskew', 'upscale', 'rules'] as const;
    const plain = await preprocess(speckled, { dpi: 150, skip: [...skip, 'speckle'] });
    const cleaned = await preprocess(speckled, { dpi: 150, skip });
    expect(cleaned.info.steps).toContain('remove-speckle');
    const field = { left: 0, top, width: w, height: Math.round(h * 0.16) };
    expect(await inkIn(plain.png, field)).toBeGreaterThan(3000);
    expect(await inkIn(cleaned.png, field)).toBeLessThan(0.1 * (await inkIn(plain.png, field)));
    const colonBox = { left: colon.x - 5, top: colon.y - 5, width: 15, height: 25 };
    expect(await inkIn(cleaned.png, colonBox)).toBe(await inkIn(plain.png, colonBox));
    // The invoice's text keeps (nearly) every pixel of ink, its full stops and commas included.
    const text = { left: 0, top: 0, width: w, height: Math.round(h * 0.7) };
    expect(await inkIn(cleaned.png, text)).toBeGreaterThan(0.99 * (await inkIn(plain.png, text)));
  });

  it('fades a red stamp across the text, which plain luminance would print as dark as the text', async () => {
    const meta = await sharp(await invoiceScan(150)).metadata();
    const [w, h] = [meta.width!, meta.height!];
    const stamp = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
      <rect x="${w * 0.2}" y="${h * 0.1}" width="${w * 0.6}" height="${h * 0.25}" fill="rgb(220,40,60)" fill-opacity="0.8"/>
    </svg>`;
    const colour = await sharp(await invoiceScan(150))
      .toColourspace('srgb')
      .composite([{ input: Buffer.from(stamp) }])
      .png()
      .toBuffer();
    const out = await preprocess(colour, { dpi: 150, skip: ['orient', 'deskew', 'upscale', 'rules'] });
    // Share of light (paper) pixels in a band across the stamp.
    const lightInStamp = async (img: Sharp) => {
      const band = await img
        .extract({
          left: Math.round(w * 0.25),
          top: Math.round(h * 0.12),
          width: Math.round(w * 0.5),
          height: 40,
        })
        .raw()
        .toBuffer();
      return band.filter((v) => v > 180).length / band.length;
    };
    // The stamp's area reads as paper (most pixels light), not as a dark block.
    expect(await lightInStamp(sharp(out.png))).toBeGreaterThan(0.8);
    expect(await lightInStamp(sharp(colour).grayscale())).toBeLessThan(0.2);
  });

  it('copes with a blank page', async () => {
    const out = await preprocess(await solid('#ffffff', 600, 800), { dpi: null, ...orient() });
    expect(out.info.rotation).toBe(0);
    expect(out.info.deskewAngle).toBe(0);
  });
});
