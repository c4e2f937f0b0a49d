import { expect } from 'vitest';
import type { Extractor } from '../../extractors/extractor.ts';
import type { DocGenerator } from '../../samples/generator/types.ts';
import { fieldAccuracy, generatedCases } from './accuracy.ts';
import { digitalInbox } from './inbox.ts';

/** Every truth field of every digital PDF of samples/inbox of the type equals the extracted value. */
export async function expectInboxExact(extractor: Extractor, docType: string): Promise<void> {
  const docs = await digitalInbox(docType);
  expect(docs.length, `digital ${docType} documents in samples/inbox`).toBeGreaterThan(0);
  for (const { entry, read } of docs) {
    const fields = extractor.extract(read);
    const got = Object.fromEntries(Object.keys(entry.fields).map((k) => [k, fields[k]?.value]));
    expect(got, entry.file_name).toEqual(entry.fields);
    for (const [name, f] of Object.entries(fields)) {
      expect(f.confidence, `${entry.file_name} ${name}`).toBeGreaterThan(0.6);
      expect(f.evidence.length, `${entry.file_name} ${name}`).toBeGreaterThan(0);
    }
  }
}

/** Every field of `count` freshly generated documents (all layouts, seeds from 9000) is read exactly. */
export async function expectGeneratedExact(
  extractor: Extractor,
  gen: DocGenerator,
  count = 12,
): Promise<void> {
  const acc = fieldAccuracy(await generatedCases(gen, count), (read) => extractor.extract(read));
  for (const [field, s] of Object.entries(acc))
    expect(s.ok / s.n, `${field}\n${s.misses.join('\n')}`).toBe(1);
}
