import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkGroups, splitDocuments } from '../pipeline/split.ts';
import { concatPdfs } from './helpers/multi-document.ts';
import { readPdfText } from './helpers/pdf-text.ts';

const INBOX = join(import.meta.dirname, '..', 'samples', 'inbox');
const EINVOICE = '/work/shared/datasets/einvoice-dev';

async function pdfsIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => f.endsWith('.pdf')).map((f) => join(dir, f));
  } catch {
    return [];
  }
}

describe('splitDocuments', () => {
  it('finds where each document of a concatenated scan starts', async () => {
    const files = ['doc-001.pdf', 'doc-008.pdf', 'doc-002.pdf', 'doc-011.pdf'].map((f) => join(INBOX, f));
    const { bytes, groups } = await concatPdfs(files);
    const split = splitDocuments(await readPdfText(bytes));
    expect(split.groups.map((g) => g.pages)).toEqual(groups);
    for (const g of split.groups.slice(1)) {
      expect(g.signals.length).toBeGreaterThan(0);
      expect(g.confidence).toBeGreaterThanOrEqual(0.5);
    }
  });

  it('keeps every single-document sample and einvoice-dev PDF whole (text layer)', async () => {
    const files = [...(await pdfsIn(INBOX)), ...(await pdfsIn(EINVOICE))];
    let multiPage = 0;
    const split: string[] = [];
    for (const file of files) {
      const read = await readPdfText(new Uint8Array(await readFile(file)));
      if (read.pages.length > 1) multiPage++;
      const result = splitDocuments(read);
      if (result.groups.length !== 1)
        split.push(`${file}: ${JSON.stringify(result.groups.map((g) => g.pages))}`);
    }
    expect(multiPage).toBeGreaterThan(2);
    expect(split).toEqual([]);
  });

  it('does not split where a page says it continues the previous one', async () => {
    const { bytes } = await concatPdfs([join(INBOX, 'doc-001.pdf'), join(INBOX, 'doc-005.pdf')]);
    const read = await readPdfText(bytes);
    // Two invoices of two vendors are two documents...
    expect(splitDocuments(read).groups).toHaveLength(2);
    // ...but not when the second page is marked as the continuation of the first.
    const second = read.pages[1];
    if (!second) throw new Error('two pages expected');
    const top = second.lines[0];
    if (!top) throw new Error('a line expected');
    second.lines.unshift({ ...top, text: 'Continued from page 1', words: [] });
    expect(splitDocuments(read).groups).toHaveLength(1);
  });

  it('checks reviewer groups against the page count', () => {
    expect(checkGroups([[1, 2], [3]], 3)).toBeNull();
    expect(checkGroups([[1], [1, 2, 3]], 3)).toMatch(/more than one group/);
    expect(checkGroups([[1, 2]], 3)).toMatch(/all 3 pages/);
    expect(checkGroups([[0, 1, 2]], 3)).toMatch(/numbered 1 to 3/);
  });
});
