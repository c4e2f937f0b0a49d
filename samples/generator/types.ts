import type { ClassifiedType } from '../../schemas/common.ts';
import type { LocaleId } from './locale.ts';
import type { Rng } from './prng.ts';

/**
 * A deliberate defect that should send the document to review; the truth keeps the values
 * as printed, because that is what a reader of the page would record.
 */
export type Flaw = 'total-mismatch' | 'net-above-gross';

export interface DocRequest {
  rng: Rng;
  /** Layout name; the generator picks one when absent. */
  layout?: string;
  locale?: LocaleId;
  /** Enough line items to run onto a second page. */
  long?: boolean;
  flaw?: Flaw;
}

/** The printed form of a truth value: one string, or several (an address's lines). */
export type Printed = Record<string, string | string[]>;

export interface RenderedDoc {
  docType: ClassifiedType;
  layout: string;
  locale: LocaleId;
  /** Canonical truth, per schemas/documents.ts; only fields the page shows. */
  fields: Record<string, unknown>;
  /** How those values appear on the page, for text-layer checks and extractor authors. */
  printed: Printed;
  pdf: Uint8Array;
  pages: number;
}

export interface DocGenerator {
  docType: ClassifiedType;
  layouts: readonly string[];
  generate(req: DocRequest): Promise<RenderedDoc>;
}
