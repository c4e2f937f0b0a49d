import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildLongPdf } from '../bench/long-pdf.ts';
import { ratio, speedupAllowed } from '../cli/bench.command.ts';
import { openPdf } from '../pipeline/adapters/pdf.ts';
import { A4, makeTextPdf } from './helpers/documents.ts';
import { tempDir } from './helpers/services.ts';

// The bench itself is never run by the tests (speed is not a test); these are its pure parts.

const dir = await tempDir('paperline-bench-test-');
afterAll(() => rm(dir, { recursive: true, force: true }));

const line = (text: string) => [{ text, x: 72, y: 760, size: 12 }];

describe('the long PDF the memory bench reads', () => {
  it('repeats the sources page by page, every repeat with its text layer', async () => {
    const a = join(dir, 'a.pdf');
    const b = join(dir, 'b.pdf');
    await writeFile(a, await makeTextPdf([line('Invoice A page one'), line('Invoice A page two')]));
    await writeFile(b, await makeTextPdf([line('Receipt B')]));
    const out = join(dir, 'long.pdf');
    expect(await buildLongPdf([a, b], 7, out)).toBe(7);
    const pdf = await openPdf(new Uint8Array(await readFile(out)));
    try {
      expect(pdf.numPages).toBe(7);
      const texts = [];
      for (let n = 1; n <= 7; n++) {
        const layer = await pdf.readTextLayer(n, 72);
        texts.push(layer.lines.map((l) => l.text).join(' '));
        expect(layer.width).toBe(Math.round(A4.width));
      }
      expect(texts).toEqual([
        'Invoice A page one',
        'Invoice A page two',
        'Receipt B',
        'Invoice A page one',
        'Invoice A page two',
        'Receipt B',
        'Invoice A page one',
      ]);
    } finally {
      await pdf.close();
    }
  });

  it('shares one copy of the fonts among the repeats, so it grows by pages, not by fonts', async () => {
    const a = join(dir, 'one.pdf');
    await writeFile(a, await makeTextPdf([line('Invoice page')]));
    const ten = join(dir, 'ten.pdf');
    const hundred = join(dir, 'hundred.pdf');
    await buildLongPdf([a], 10, ten);
    await buildLongPdf([a], 100, hundred);
    const size = async (f: string) => (await readFile(f)).length;
    // Measured: ~15 bytes a page when the repeats share content and resources, ~220 with a
    // copy of the page's font and content per repeat.
    expect((await size(hundred)) - (await size(ten))).toBeLessThan(90 * 60);
  });
});

describe('ratio', () => {
  it("is Paperline's rate over the engine's, to two places, or null without an engine", () => {
    expect(ratio(30, 40)).toBe(0.75);
    expect(ratio(10, 30)).toBe(0.33);
    expect(ratio(10, null)).toBeNull();
    expect(ratio(10, 0)).toBeNull();
  });
});

describe('the speedup the machine allowed', () => {
  it('is capped by the cores one worker keeps busy alone, and by those other processes hold', () => {
    // Measured on a quiet machine: one worker kept 1.14 cores busy, others 0.05.
    expect(
      speedupAllowed(
        { workers: 1, oursCores: 1.14, othersCores: 0.05 },
        { workers: 2, othersCores: 0.05 },
        2,
      ),
    ).toBeCloseTo(1.95 / 1.14, 5);
    // A worker of exactly one core on an idle machine: two workers may go twice as fast.
    expect(
      speedupAllowed({ workers: 1, oursCores: 1, othersCores: 0 }, { workers: 2, othersCores: 0 }, 2),
    ).toBe(2);
    // Another job holding a core leaves the second worker nothing.
    expect(
      speedupAllowed({ workers: 1, oursCores: 1, othersCores: 1 }, { workers: 2, othersCores: 1 }, 2),
    ).toBe(1);
    // With four cores the cap is the workers' own: 2 x 1.2 cores, not the idle cores.
    expect(
      speedupAllowed({ workers: 1, oursCores: 1.2, othersCores: 0 }, { workers: 2, othersCores: 0 }, 4),
    ).toBeCloseTo(2, 5);
  });
});
