/**
 * Makes "scanned copies" of the e-invoice PDFs (einvoice-dev) so the OCR path can be scored on
 * the same invoices the text layer and the embedded XML are scored on:
 *
 *   npx tsx bench/einvoice-scans.ts [--dataset DIR] [--out DIR] [--dpi N] [--seed N]
 *
 * Every page of each PDF is rendered by the pipeline's own adapter, then rotated, blurred,
 * dimmed, noised and specked like an office scan, and saved as a greyscale JPEG with its dpi (a
 * multi-page invoice as an image-only PDF of those JPEGs).
 * Every random choice comes from a PRNG seeded by (seed, file name), so a rerun gives the same
 * bytes and a file's scan does not change when other files join or leave the dataset.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { openPdf } from '../pipeline/adapters/pdf.ts';
import { mulberry32 } from '../samples/generator/prng.ts';

export const DEFAULT_DPI = 200;
export const DEFAULT_SEED = 17;
const JPEG_QUALITY = 80;

/** `../shared/datasets/einvoice-dev` beside the checkout, else the workplace copy. */
export function defaultDataset(): string {
  const beside = resolve(import.meta.dirname, '..', '..', 'shared', 'datasets', 'einvoice-dev');
  return existsSync(beside) ? beside : '/work/shared/datasets/einvoice-dev';
}

/** A sibling folder, so the dataset itself stays as it was downloaded. */
export function defaultOut(dataset: string): string {
  return `${resolve(dataset)}-scans`;
}

/** FNV-1a over the seed and the name: each file gets its own stream, independent of file order. */
function fileSeed(seed: number, key: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(`${seed}\u0000${key}`, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** What was done to one page; written to metadata.jsonl so deskew can be scored against it. */
export interface ScanParams {
  /** Degrees, positive clockwise (sharp's convention). */
  angle: number;
  /** Grey level the white paper ends up at. */
  paper: number;
  /** Grey level full black ink ends up at. */
  ink: number;
  noiseSigma: number;
  specks: number;
}

export interface ScanPageOptions {
  dpi: number;
  seed: number;
  /** Usually the source file name: mixed into the seed. */
  key: string;
}

/** Turns a rendered page (PNG, any channels) into a scan-like greyscale JPEG. */
export async function scanPage(
  png: Buffer,
  { dpi, seed, key }: ScanPageOptions,
): Promise<{ jpeg: Buffer; width: number; height: number; params: ScanParams }> {
  const rng = mulberry32(fileSeed(seed, key));
  // Draw everything up front and in a fixed order, so a change to one effect's code cannot
  // silently shift the numbers another effect gets.
  const sign = rng() < 0.5 ? -1 : 1;
  const angle = round3(sign * (0.5 + 2.5 * rng()));
  const paper = Math.round(232 + 16 * rng());
  const ink = Math.round(12 + 28 * rng());
  const noiseSigma = round3(3 + 3 * rng());
  const specks = 4 + Math.floor(17 * rng());
  // Blur and speck sizes are physical (optics, dust), so they scale with the resolution.
  const pxPerRef = dpi / DEFAULT_DPI;

  // Canvas PNGs are RGBA: without flatten() first, greyscale() keeps four channels (DESIGN.md).
  const { data, info } = await sharp(png)
    .flatten({ background: '#ffffff' })
    .greyscale()
    .rotate(angle, { background: '#ffffff' })
    .blur(Math.max(0.3, 0.6 * pxPerRef))
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`expected 1 channel after greyscale, got ${info.channels}`);
  const { width, height } = info;
  const px = new Float32Array(width * height);

  // A scanner never reaches pure white or pure black: squeeze the range (contrast) and shift it
  // (brightness) in one linear map.
  const span = (paper - ink) / 255;
  for (let i = 0; i < px.length; i++) px[i] = ink + span * data[i]!;

  for (let s = 0; s < specks; s++) {
    const cx = rng() * width;
    const cy = rng() * height;
    const r = (0.6 + 2 * rng()) * pxPerRef;
    const level = 10 + 70 * rng();
    // Soft edges: a hard-edged disc would be a perfect glyph-like dot no scanner produces.
    const [x0, x1] = [Math.max(0, Math.floor(cx - r - 1)), Math.min(width - 1, Math.ceil(cx + r + 1))];
    const [y0, y1] = [Math.max(0, Math.floor(cy - r - 1)), Math.min(height - 1, Math.ceil(cy + r + 1))];
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const cover = Math.min(1, Math.max(0, r + 0.5 - Math.hypot(x + 0.5 - cx, y + 0.5 - cy)));
        const i = y * width + x;
        px[i] = px[i]! * (1 - cover) + level * cover;
      }
    }
  }

  // Irwin-Hall (sum of four uniforms) instead of Box-Muller: close enough to gaussian for sensor
  // noise, and no Math.log/cos whose last bits could differ between engines.
  const out = Buffer.allocUnsafe(width * height);
  const k = noiseSigma * Math.sqrt(3);
  for (let i = 0; i < px.length; i++) {
    const n = (rng() + rng() + rng() + rng() - 2) * k;
    out[i] = Math.min(255, Math.max(0, Math.round(px[i]! + n)));
  }

  const jpeg = await sharp(out, { raw: { width, height, channels: 1 } })
    // Raw single-channel input is still written as 3-channel sRGB unless asked for b-w.
    .toColourspace('b-w')
    .jpeg({ quality: JPEG_QUALITY })
    // withMetadata() would also attach an sRGB profile; withDensity sets only the JFIF density.
    .withDensity(dpi)
    .toBuffer();
  return { jpeg, width, height, params: { angle, paper, ink, noiseSigma, specks } };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** An image-only PDF, one JPEG a page at its physical size, as a document scanner saves it. */
async function imagePdf(
  scans: { jpeg: Buffer; width: number; height: number }[],
  dpi: number,
): Promise<Buffer> {
  const doc = await PDFDocument.create();
  // Fixed dates: pdf-lib stamps "now" otherwise, and a rerun must give identical bytes.
  doc.setCreationDate(new Date(0));
  doc.setModificationDate(new Date(0));
  doc.setProducer('paperline bench/einvoice-scans.ts');
  for (const scan of scans) {
    const image = await doc.embedJpg(scan.jpeg);
    const w = (scan.width * 72) / dpi;
    const h = (scan.height * 72) / dpi;
    doc.addPage([w, h]).drawImage(image, { x: 0, y: 0, width: w, height: h });
  }
  return Buffer.from(await doc.save());
}

export interface MakeScansOptions {
  dataset: string;
  out?: string;
  dpi?: number;
  seed?: number;
  /** One line per file and the summary; default stdout. */
  log?: (line: string) => void;
}

export interface MakeScansResult {
  out: string;
  written: string[];
  /** Lines whose file is not a PDF. */
  skipped: string[];
  failed: { file: string; error: string }[];
  seconds: number;
}

/**
 * Writes `<out>/<stem>.jpg` (one page) or `<out>/<stem>.pdf` (an image-only PDF of every page) per
 * PDF line of `<dataset>/metadata.jsonl`, plus metadata.jsonl and SOURCE.md.
 */
export async function makeScans(options: MakeScansOptions): Promise<MakeScansResult> {
  const started = performance.now();
  const dataset = resolve(options.dataset);
  const out = resolve(options.out ?? defaultOut(dataset));
  const dpi = options.dpi ?? DEFAULT_DPI;
  const seed = options.seed ?? DEFAULT_SEED;
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  if (!Number.isInteger(dpi) || dpi < 36 || dpi > 1200) throw new Error(`--dpi must be 36..1200, got ${dpi}`);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${seed}`);
  if (out === dataset) throw new Error('--out must not be the dataset folder itself');

  const metaPath = join(dataset, 'metadata.jsonl');
  const text = await readFile(metaPath, 'utf8').catch(() => {
    throw new Error(`${metaPath} not found: run bench/einvoice-metadata.ts on the dataset first`);
  });
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  await mkdir(out, { recursive: true });

  const result: MakeScansResult = { out, written: [], skipped: [], failed: [], seconds: 0 };
  const outLines: string[] = [];
  for (const [n, line] of lines.entries()) {
    const entry = JSON.parse(line) as Record<string, unknown> & { file_name?: unknown };
    const file = typeof entry.file_name === 'string' ? entry.file_name : '';
    const tag = `[${n + 1}/${lines.length}]`;
    if (extname(file).toLowerCase() !== '.pdf') {
      result.skipped.push(file || `line ${n + 1}`);
      log(`${tag} ${file || `line ${n + 1}`}: not a PDF, skipped`);
      continue;
    }
    const stem = basename(file, extname(file));
    const t = performance.now();
    try {
      const pdf = await openPdf(new Uint8Array(await readFile(join(dataset, file))));
      const scans: Awaited<ReturnType<typeof scanPage>>[] = [];
      try {
        for (let n = 1; n <= pdf.numPages; n++) {
          // Page 1 keeps the file name as its key, so its scan is the same whatever the page count.
          const key = n === 1 ? file : `${file}#${n}`;
          scans.push(await scanPage(await pdf.renderPage(n, dpi), { dpi, seed, key }));
        }
      } finally {
        await pdf.close();
      }
      const first = scans[0];
      if (!first) throw new Error('the PDF has no pages');
      // Every page is scanned, so the whole invoice's truth (totals often on the last page)
      // is on the scan: one page as a JPEG, several as the image-only PDF a scanner writes.
      const outName = scans.length === 1 ? `${stem}.jpg` : `${stem}.pdf`;
      await writeFile(join(out, outName), scans.length === 1 ? first.jpeg : await imagePdf(scans, dpi));
      outLines.push(
        JSON.stringify({
          ...entry,
          file_name: outName,
          kind: 'scan',
          pages: scans.length,
          scan: { source: file, sourcePages: scans.length, dpi, seed, ...first.params },
          ...(scans.length > 1 ? { scanPages: scans.map((s) => s.params) } : {}),
        }),
      );
      result.written.push(outName);
      log(
        `${tag} ${outName}: ${scans.length} page${scans.length === 1 ? '' : 's'}, ${first.width}x${first.height}, ` +
          `${scans.map((s) => `${s.params.angle}°`).join(' ')}, ` +
          `${Math.round(scans.reduce((a, s) => a + s.jpeg.length, 0) / 1024)} KiB, ${((performance.now() - t) / 1000).toFixed(2)} s`,
      );
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      result.failed.push({ file, error });
      log(`${tag} ${file}: FAILED ${error}`);
    }
  }

  await writeFile(join(out, 'metadata.jsonl'), outLines.length ? `${outLines.join('\n')}\n` : '');
  await writeFile(join(out, 'SOURCE.md'), sourceMd(dataset, out, dpi, seed, result));
  result.seconds = (performance.now() - started) / 1000;
  log(
    `${result.written.length} scans written to ${out} in ${result.seconds.toFixed(1)} s` +
      (result.skipped.length ? `, ${result.skipped.length} non-PDF lines skipped` : '') +
      (result.failed.length ? `, ${result.failed.length} failed` : ''),
  );
  return result;
}

/** No date or timing in it: a rerun must leave the folder byte-identical. */
function sourceMd(dataset: string, out: string, dpi: number, seed: number, r: MakeScansResult): string {
  const repo = resolve(import.meta.dirname, '..');
  // Relative for the shared datasets beside the checkout (../shared/...), so the command works
  // from any checkout; absolute for a folder elsewhere such as /tmp.
  const shown = (p: string) => {
    const rel = relative(repo, p);
    return rel.startsWith('../shared/') || !rel.startsWith('..') ? rel || '.' : p;
  };
  return `# ${basename(out)}: scanned copies of ${basename(dataset)}

Made from the repository root with

    npx tsx bench/einvoice-scans.ts --dataset ${shown(dataset)} --out ${shown(out)} --dpi ${dpi} --seed ${seed}

For each PDF line of \`${basename(dataset)}/metadata.jsonl\`, every page was rendered at ${dpi} dpi by
\`pipeline/adapters/pdf.ts\`, then with sharp: rotated by ±0.5..3° on white, blurred (sigma 0.6 at
200 dpi), its range squeezed to ink 12..40 / paper 232..248, a few soft dark specks added, grey noise
(sigma 3..6) added, and saved as 8-bit greyscale JPEG (quality ${JPEG_QUALITY}) with its dpi in the JFIF
header. A one-page invoice is that JPEG; a longer one is an image-only PDF of its page JPEGs at their
physical size, as a document scanner writes it. All choices come from a PRNG seeded by the seed, the
file name and the page number, so rerunning the command gives identical bytes.

\`metadata.jsonl\` repeats the source lines with \`file_name\` the scan, \`kind: "scan"\`, \`pages\`,
and \`scan\`: source file, its page count, and the parameters drawn for page 1 (angle in degrees,
clockwise); \`scanPages\` lists every page's parameters for a multi-page scan. Every page is scanned,
so the truth fields (the whole invoice's) are all on the scan.

${r.written.length} scans${r.skipped.length ? `, ${r.skipped.length} non-PDF lines skipped` : ''}${
    r.failed.length ? `; failed: ${r.failed.map((f) => f.file).join(', ')}` : ''
  }.
`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      dataset: { type: 'string' },
      out: { type: 'string' },
      dpi: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const dataset = resolve(values.dataset ?? defaultDataset());
  const result = await makeScans({
    dataset,
    ...(values.out ? { out: values.out } : {}),
    dpi: values.dpi === undefined ? DEFAULT_DPI : Number(values.dpi),
    seed: values.seed === undefined ? DEFAULT_SEED : Number(values.seed),
  });
  if (result.failed.length) process.exitCode = 1;
}
