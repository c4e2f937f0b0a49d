import type { DocType, ExtractedFields } from '../schemas/common.ts';
import type { ReadResult } from '../schemas/read.ts';
import type { ExtractContext } from './context.ts';

export type { ExtractContext } from './context.ts';

/**
 * Turns a read document of a known type into fields named as in schemas/documents.ts, each
 * with a canonical value, a confidence, evidence and flags. Never throws on odd input: a
 * field it cannot find is simply absent.
 */
export interface Extractor {
  readonly name: string;
  supports(docType: DocType): boolean;
  /** How well it handles the type, 0..1; the registry picks the highest. */
  score(docType: DocType): number;
  extract(read: ReadResult, ctx?: ExtractContext): ExtractedFields;
}

/** Extractors by capability: the one that supports a type with the highest score wins. */
export class ExtractorRegistry {
  readonly #extractors: Extractor[] = [];

  register(...extractors: Extractor[]): this {
    this.#extractors.push(...extractors);
    return this;
  }

  /** The best extractor for the type, or null when none supports it. Ties go to the first registered. */
  pick(docType: DocType): Extractor | null {
    let best: Extractor | null = null;
    for (const e of this.#extractors) {
      if (!e.supports(docType)) continue;
      if (!best || e.score(docType) > best.score(docType)) best = e;
    }
    return best;
  }

  /** Extracts with the best extractor; no fields when none supports the type. */
  extract(docType: DocType, read: ReadResult, ctx?: ExtractContext): ExtractedFields {
    return this.pick(docType)?.extract(read, ctx) ?? {};
  }
}
