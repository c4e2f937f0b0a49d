import { Rng } from '../../samples/generator/prng.ts';
import type { DocGenerator } from '../../samples/generator/types.ts';
import type { ExtractedFields } from '../../schemas/common.ts';
import type { ReadResult } from '../../schemas/read.ts';
import { readPdfText } from './pdf-text.ts';

export interface Case {
  id: string;
  read: ReadResult;
  truth: Record<string, unknown>;
}

export type Accuracy = Record<string, { ok: number; n: number; misses: string[] }>;

/** Per-field share of cases whose extracted value equals the truth under `same`. */
export function fieldAccuracy(
  cases: Case[],
  extract: (read: ReadResult) => ExtractedFields,
  same: (got: unknown, want: unknown, field: string) => boolean = (a, b) =>
    JSON.stringify(a) === JSON.stringify(b),
): Accuracy {
  const out: Accuracy = {};
  for (const c of cases) {
    const fields = extract(c.read);
    for (const [name, want] of Object.entries(c.truth)) {
      out[name] ??= { ok: 0, n: 0, misses: [] };
      const s = out[name];
      s.n++;
      const got = fields[name]?.value;
      if (same(got, want, name)) s.ok++;
      else s.misses.push(`${c.id}: got ${JSON.stringify(got)} want ${JSON.stringify(want)}`);
    }
  }
  return out;
}

export const rate = (a: Accuracy, field: string) => (a[field] ? a[field].ok / a[field].n : 0);

/** `count` documents from a sample generator, from seed `seed` on, read through their text layer. */
export async function generatedCases(gen: DocGenerator, count: number, seed = 9000): Promise<Case[]> {
  const out: Case[] = [];
  for (let i = 0; i < count; i++) {
    const doc = await gen.generate({ rng: new Rng(seed + i), long: i % 7 === 6 });
    out.push({ id: `${doc.layout}#${seed + i}`, read: await readPdfText(doc.pdf), truth: doc.fields });
  }
  return out;
}
