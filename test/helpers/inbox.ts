import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReadResult } from '../../schemas/read.ts';
import { readPdfText } from './pdf-text.ts';

/** The committed sample batch (samples/generate.ts --preset inbox). */
export const INBOX_DIR = new URL('../../samples/inbox/', import.meta.url).pathname;

export interface InboxEntry {
  file_name: string;
  docType: string;
  kind: 'digital' | 'scan';
  layout: string;
  expect: 'posted' | 'review';
  reason?: string;
  fields: Record<string, unknown>;
}

export function inboxEntries(dir = INBOX_DIR): InboxEntry[] {
  return readFileSync(join(dir, 'metadata.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as InboxEntry);
}

/** The born-digital PDFs of the inbox of one type, read through their text layer. */
export async function digitalInbox(docType?: string): Promise<{ entry: InboxEntry; read: ReadResult }[]> {
  const out: { entry: InboxEntry; read: ReadResult }[] = [];
  for (const entry of inboxEntries()) {
    if (entry.kind !== 'digital' || (docType && entry.docType !== docType)) continue;
    out.push({
      entry,
      read: await readPdfText(new Uint8Array(readFileSync(join(INBOX_DIR, entry.file_name)))),
    });
  }
  return out;
}
