import { readFile } from 'node:fs/promises';
import { PDFDocument } from 'pdf-lib';

/**
 * One scan holding several documents, as a scanner's batch feed makes it: the pages of real
 * sample PDFs one after another, built at test time. Returns the bytes and the 0-based page
 * groups each source file became.
 */
export async function concatPdfs(paths: string[]): Promise<{ bytes: Uint8Array; groups: number[][] }> {
  const out = await PDFDocument.create();
  const groups: number[][] = [];
  for (const path of paths) {
    const src = await PDFDocument.load(await readFile(path));
    const pages = await out.copyPages(src, src.getPageIndices());
    const group: number[] = [];
    for (const page of pages) {
      group.push(out.getPageCount());
      out.addPage(page);
    }
    groups.push(group);
  }
  return { bytes: await out.save(), groups };
}
