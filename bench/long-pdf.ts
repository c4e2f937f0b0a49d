import { readFile, writeFile } from 'node:fs/promises';
import { PDFDocument } from 'pdf-lib';

/**
 * One PDF of `pages` pages made by copying the sources' pages round and round: a long
 * statement-like file whose every page has a real text layer, to see how memory grows with
 * the length of one document.
 */
export async function buildLongPdf(sources: string[], pages: number, out: string): Promise<number> {
  if (sources.length === 0) throw new Error('no source PDF to copy pages from');
  const docs = await Promise.all(sources.map(async (s) => PDFDocument.load(await readFile(s))));
  const long = await PDFDocument.create();
  let added = 0;
  while (added < pages) {
    for (const doc of docs) {
      const wanted = Math.min(doc.getPageCount(), pages - added);
      if (wanted <= 0) break;
      const copied = await long.copyPages(
        doc,
        Array.from({ length: wanted }, (_, i) => i),
      );
      for (const p of copied) long.addPage(p);
      added += wanted;
    }
  }
  await writeFile(out, await long.save());
  return long.getPageCount();
}
