import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { DocType } from '../schemas/common.ts';
import { requiredFields } from '../schemas/documents.ts';
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
  for (const [docType, forType] of Object.entries(parsed.data.types)) {
    const required = requiredFields(docType as DocType);
    for (const [field, policy] of Object.entries(forType?.policy ?? {})) {
      if (policy !== 'required' && required.includes(field)) {
        throw new ConfigError(
          `Invalid thresholds file ${path}:\n  types.${docType}.policy.${field}: the ${docType} schema requires ${field}; it cannot be ${policy}`,
        );
      }
    }
  }
  return Object.freeze(parsed.data);
}

export type FieldPolicy = 'required' | 'optional' | 'ignored';

/** What a field's absence or doubt means for posting (see TypeThresholdsSchema.policy). */
export function fieldPolicy(t: Thresholds, docType: DocType, field: string): FieldPolicy {
  if (requiredFields(docType).includes(field)) return 'required';
  return t.types[docType]?.policy?.[field] ?? 'optional';
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
