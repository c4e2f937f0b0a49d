import { copyFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { evalCommand, readMetadata } from '../cli/eval.command.ts';
import { readableValue } from '../cli/eval-report.ts';
import type { MetadataLine } from '../schemas/eval.ts';

const INBOX = new URL('../samples/inbox/', import.meta.url).pathname;

/**
 * `paperline eval --report` on three real inbox PDFs whose ground truth is altered so there is
 * something to show: a wrong vendor name and a wrong line item on doc-001 (sent twice), and a
 * receipt labelled a claim form (off the diagonal of the confusion matrix).
 */
describe('paperline eval --report', () => {
  let dir: string;
  let html: string;
  let files: string[];
  let restore: () => void;

  beforeAll(async () => {
    const folder = await mkdtemp(join(tmpdir(), 'paperline-evalreport-'));
    dir = await mkdtemp(join(tmpdir(), 'paperline-evalreport-out-'));
    const truth = new Map((await readMetadata(INBOX)).map((t) => [t.file_name, t]));
    const invoice = truth.get('doc-001.pdf') as MetadataLine;
    const items = invoice.fields.lineItems as Record<string, string>[];
    const wrong: MetadataLine = {
      ...invoice,
      fields: {
        ...invoice.fields,
        vendorName: 'Golden Oak Catering plc',
        lineItems: [{ ...items[0], amount: '999.99' }, ...items.slice(1)],
      },
    };
    const receipt = {
      ...(truth.get('doc-008.pdf') as MetadataLine),
      docType: 'claim_form',
      department: 'claims',
    };
    const lines = [wrong, { ...wrong, file_name: 'doc-001-again.pdf' }, receipt];
    await copyFile(join(INBOX, 'doc-001.pdf'), join(folder, 'doc-001.pdf'));
    await copyFile(join(INBOX, 'doc-001.pdf'), join(folder, 'doc-001-again.pdf'));
    await copyFile(join(INBOX, 'doc-008.pdf'), join(folder, 'doc-008.pdf'));
    await writeFile(join(folder, 'metadata.jsonl'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const errors = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    restore = () => {
      write.mockRestore();
      errors.mockRestore();
    };
    await evalCommand(folder, { report: dir, json: true, concurrency: '2' });
    restore();
    html = await readFile(join(dir, 'index.html'), 'utf8');
    files = (await readdir(dir, { recursive: true })).map(String).sort();
  }, 300_000);
  afterAll(() => restore?.());

  it('shows the confusion matrix, truth by row and the type read by column', () => {
    const table = html.slice(
      html.indexOf('<table class="confusion">'),
      html.indexOf('</table>', html.indexOf('<table class="confusion">')),
    );
    expect(table).toContain('<th>claim_form</th>');
    expect(table).toMatch(
      /<tr><th>claim_form<\/th><td class="n zero">0<\/td><td class="n zero">0<\/td><td class="n wrong">1<\/td><\/tr>/,
    );
    expect(table).toMatch(
      /<tr><th>invoice<\/th><td class="n zero">0<\/td><td class="n right">2<\/td><td class="n zero">0<\/td><\/tr>/,
    );
  });

  it('prints line items readably, never [object Object]', () => {
    expect(html).not.toContain('[object Object]');
    expect(html).toContain('Coffee and pastries (per person) · 46 × 5.99 = 999.99');
    expect(html).toContain('Coffee and pastries (per person) · 46 × 5.99 = 275.54');
    expect(
      readableValue([
        { description: 'Delivery', amount: '57.00' },
        { description: 'Tea', quantity: '2', unitPrice: '1.50', amount: '3.00' },
      ]),
    ).toBe('Delivery = 57.00\nTea · 2 × 1.50 = 3.00');
  });

  it('shows each miss once, cropped to its box, and writes only the images it shows', async () => {
    const cards = [...html.matchAll(/<h3>([^<]+)<\/h3>/g)].map((m) => m[1]);
    // doc-001-again.pdf is the same document: its misses are doc-001's, shown once.
    expect(cards.filter((c) => c?.startsWith('doc-001')).sort()).toEqual([
      'doc-001.pdf · lineItems',
      'doc-001.pdf · vendorName',
    ]);
    expect(new Set(cards).size).toBe(cards.length);
    const shown = [...html.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]);
    expect(files.filter((f) => f.endsWith('.png'))).toEqual(shown.sort());
    expect(files.every((f) => f === 'index.html' || f === 'misses' || f.startsWith('misses/'))).toBe(true);
    // The vendor name's crop is a band around its box, not the whole A4 page.
    const i = cards.indexOf('doc-001.pdf · vendorName');
    const png = await sharp(await readFile(join(dir, shown[i] ?? ''))).metadata();
    expect(png.height).toBeLessThan(png.width);
  });
});
