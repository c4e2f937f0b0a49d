/**
 * The cached reads of bench/dump-reads.ts, replayed by the bench scripts that score them
 * (score-reads.ts, second-look.ts) without running OCR again.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { halfOf, readMetadata } from '../cli/eval.command.ts';
import type { IngestedFile } from '../pipeline/ingest.ts';
import type { MetadataLine } from '../schemas/eval.ts';
import type { ReadResult } from '../schemas/read.ts';

export const stem = (fileName: string) => basename(fileName, extname(fileName));

/** The folder's labelled documents that have a cached read, sorted, or one half of them. */
export async function cachedTruth(dir: string, reads: string, half?: string): Promise<MetadataLine[]> {
  const truth = (await readMetadata(dir))
    .filter((t) => existsSync(join(reads, `${stem(t.file_name)}.json`)))
    .sort((a, b) => a.file_name.localeCompare(b.file_name));
  return half ? halfOf(truth, half === 'even' ? 'even' : 'odd') : truth;
}

export async function cachedRead(reads: string, fileName: string): Promise<ReadResult> {
  return JSON.parse(await readFile(join(reads, `${stem(fileName)}.json`), 'utf8')) as ReadResult;
}

/** The file a cached read stands for: no bytes, since the pipeline is handed the read. */
export function replayedFile(dir: string, fileName: string): IngestedFile {
  return {
    path: join(dir, fileName),
    fileName,
    bytes: new Uint8Array(),
    sha256: createHash('sha256').update(fileName).digest('hex'),
    format: 'jpeg',
    sizeBytes: 0,
  };
}
