import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateBatch } from './generator/batch.ts';

const USAGE = `Usage: npx tsx samples/generate.ts --out DIR [--count N] [--seed S] [--preset inbox]

Writes N sample documents (PDFs and scans) and their ground truth, metadata.jsonl, to DIR.
The first 24 documents always cover every type, format and review case; the same seed
gives byte-identical files. --preset inbox is --count 24 --seed 1, the committed batch.`;

function int(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got "${value}"`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      count: { type: 'string' },
      seed: { type: 'string' },
      preset: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.out) {
    console.log(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  if (values.preset && values.preset !== 'inbox') throw new Error(`unknown preset "${values.preset}"`);
  const inbox = values.preset === 'inbox';
  const count = inbox ? 24 : int(values.count, 'count', 24);
  const seed = inbox ? 1 : int(values.seed, 'seed', 1);
  const started = Date.now();
  let bytes = 0;
  await generateBatch({
    out: values.out,
    count,
    seed,
    onFile: (line, i, total) => {
      const review = line.expect === 'review' ? `  review: ${line.reason}` : '';
      console.log(
        `[${i + 1}/${total}] ${line.file_name}  ${line.docType} ${line.kind} ${line.pages}p  ${line.layout}${review}`,
      );
    },
  });
  for (const name of await readdir(values.out)) bytes += (await stat(join(values.out, name))).size;
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `Wrote ${count} documents and metadata.jsonl to ${values.out} (${(bytes / 1e6).toFixed(2)} MB) in ${secs} s`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
