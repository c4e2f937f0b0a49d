import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { recordJsonSchema } from '../schemas/json-schema.ts';

it('docs/record.schema.json is the JSON Schema generated from the zod record (run `npm run schema` after a change)', async () => {
  const committed = JSON.parse(
    await readFile(new URL('../docs/record.schema.json', import.meta.url), 'utf8'),
  );
  expect(committed).toEqual(recordJsonSchema());
});
