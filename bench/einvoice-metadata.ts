/**
 * Builds `metadata.jsonl` for a folder of e-invoice PDFs (einvoice-dev) from the XML each one
 * embeds, so `paperline eval` can score the visual reading against the seller's own data.
 *
 *   npx tsx bench/einvoice-metadata.ts [--dataset DIR]
 *
 * The truth is read by extractors/e-invoice.ts, the same reader the pipeline uses on
 * attachments; its CII paths are the ones the dataset's SOURCE.md names.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findEInvoice } from '../extractors/e-invoice.ts';
import { openPdf } from '../pipeline/adapters/pdf.ts';
import { defaultDataset } from './einvoice-scans.ts';

/** The fields every reading path is scored on; lineItems and the address are left to the XML path. */
export const EINVOICE_TRUTH_FIELDS = [
  'vendorName',
  'invoiceNumber',
  'invoiceDate',
  'dueDate',
  'currency',
  'subtotal',
  'taxAmount',
  'total',
] as const;

export async function buildMetadata(dataset: string): Promise<{ lines: number; skipped: string[] }> {
  const files = (await readdir(dataset)).filter((f) => f.toLowerCase().endsWith('.pdf')).sort();
  const out: string[] = [];
  const skipped: string[] = [];
  for (const file of files) {
    const pdf = await openPdf(new Uint8Array(await readFile(join(dataset, file))));
    let pages: number;
    let found: ReturnType<typeof findEInvoice>;
    try {
      pages = pdf.numPages;
      found = findEInvoice(await pdf.xmlAttachments());
    } finally {
      await pdf.close();
    }
    if (!found || !('invoice' in found)) {
      skipped.push(`${file}: ${found && 'error' in found ? found.error : 'no e-invoice attachment'}`);
      continue;
    }
    const { invoice } = found;
    const fields: Record<string, unknown> = {};
    for (const name of EINVOICE_TRUTH_FIELDS) {
      const f = invoice.fields[name];
      if (f) fields[name] = f.value;
    }
    out.push(
      JSON.stringify({
        file_name: file,
        docType: 'invoice',
        department: 'finance',
        fields,
        kind: 'digital',
        pages,
        format: invoice.format,
        profile: invoice.profile,
        typeCode: invoice.typeCode,
      }),
    );
  }
  await writeFile(join(dataset, 'metadata.jsonl'), `${out.join('\n')}\n`);
  return { lines: out.length, skipped };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { dataset: { type: 'string' } } });
  const dataset = resolve(values.dataset ?? defaultDataset());
  const { lines, skipped } = await buildMetadata(dataset);
  process.stdout.write(`${join(dataset, 'metadata.jsonl')}: ${lines} invoices\n`);
  for (const s of skipped) process.stdout.write(`skipped ${s}\n`);
}
