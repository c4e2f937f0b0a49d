import { readFile, writeFile } from 'node:fs/promises';
import { PDFDocument, PDFName } from 'pdf-lib';

/**
 * One PDF of `pages` pages, the sources' pages repeated round and round: a long statement-like
 * file whose every page has a real text layer, to see how memory grows with the length of one
 * document. Each source page is copied once and its repeats share its content stream and
 * resources, as the pages of one long document share its fonts; copied apart, every page
 * would carry its own copy of every font, which no real document does.
 */
export async function buildLongPdf(sources: string[], pages: number, out: string): Promise<number> {
  if (sources.length === 0) throw new Error('no source PDF to copy pages from');
  const long = await PDFDocument.create();
  const templates = [];
  for (const source of sources) {
    const doc = await PDFDocument.load(await readFile(source));
    templates.push(...(await long.copyPages(doc, doc.getPageIndices())));
  }
  for (let i = 0; i < pages; i++) {
    const template = templates[i % templates.length]!;
    if (i < templates.length) {
      long.addPage(template);
      continue;
    }
    const page = long.addPage([template.getWidth(), template.getHeight()]);
    for (const key of ['Contents', 'Resources', 'MediaBox']) {
      const value = template.node.get(PDFName.of(key));
      if (value) page.node.set(PDFName.of(key), value);
    }
  }
  await writeFile(out, await long.save());
  return long.getPageCount();
}
