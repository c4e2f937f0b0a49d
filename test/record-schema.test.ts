import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { JSON_SCHEMA_FILES } from '../schemas/json-schema.ts';

it.each(Object.entries(JSON_SCHEMA_FILES))(
  '%s is the JSON Schema generated from zod (run `npm run schema` after a change)',
  async (file, generate) => {
    const committed = JSON.parse(await readFile(new URL(`../${file}`, import.meta.url), 'utf8'));
    expect(committed).toEqual(generate());
  },
);
