import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the 71 real e-invoice PDFs live (see its SOURCE.md): `PAPERLINE_EINVOICE_DIR` when set,
 * else `../shared/datasets/einvoice-dev` beside the checkout, else the workplace's
 * `/work/shared/datasets/einvoice-dev`, so a clone anywhere on the machine finds it. Found by its
 * SOURCE.md, not metadata.jsonl: the PDFs come with the former, the latter is built later by
 * bench/einvoice-metadata.ts. Ends in "/".
 */
export const EINVOICE_DIR = (() => {
  const candidates = [
    process.env.PAPERLINE_EINVOICE_DIR,
    fileURLToPath(new URL('../../../shared/datasets/einvoice-dev/', import.meta.url)),
    '/work/shared/datasets/einvoice-dev/',
  ].filter((d): d is string => Boolean(d));
  const found = candidates.find((d) => existsSync(join(d, 'SOURCE.md'))) ?? candidates[0]!;
  return found.endsWith('/') ? found : `${found}/`;
})();
