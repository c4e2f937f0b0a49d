import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { DocType } from '../schemas/common.ts';
import { type Thresholds, ThresholdsSchema } from '../schemas/thresholds.ts';

export const DEFAULT_THRESHOLDS_PATH = fileURLToPath(new URL('./thresholds.json', import.meta.url));

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and checks a thresholds file, reporting every bad key at once. */
export async function loadThresholds(path: string = DEFAULT_THRESHOLDS_PATH): Promise<Thresholds> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`Cannot read thresholds file ${path}: ${(e as Error).message}`);
  }
  const parsed = ThresholdsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`Invalid thresholds file ${path}:\n${problems.join('\n')}`);
  }
  return Object.freeze(parsed.data);
}

export function classThreshold(t: Thresholds, docType: DocType): number {
  return t.types[docType]?.classConfidence ?? t.default.classConfidence;
}

export function fieldThreshold(t: Thresholds, docType: DocType, field: string, fused = false): number {
  const forType = t.types[docType];
  return (
    (fused ? forType?.fusedFields?.[field] : undefined) ??
    forType?.fields?.[field] ??
    forType?.fieldConfidence ??
    t.default.fieldConfidence
  );
}
