import { type ClassifiedType, DEPARTMENT_OF, type Department } from '../schemas/common.ts';
import type { ReadResult } from '../schemas/read.ts';

export interface ClassificationResult {
  docType: ClassifiedType;
  /**
   * 0..1. For a document type, how sure the classifier is of it; for 'unknown', how sure it
   * is that the document is none of the known types.
   */
  confidence: number;
  /** Human-readable reasons, e.g. `invoice: "bill to" +3`. */
  evidence: string[];
}

/** Decides what a read document is. Must not throw on odd input: 'unknown' is an answer. */
export interface Classifier {
  readonly name: string;
  classify(read: ReadResult): ClassificationResult;
}

export interface Classification extends ClassificationResult {
  /** The department whose queue takes the type; null for 'unknown'. */
  department: Department | null;
  /** Name of the classifier whose answer was taken. */
  classifier: string;
}

/**
 * Runs every registered classifier and keeps the most confident answer that names a type;
 * only when none names one is the document 'unknown' (with the strongest such verdict).
 */
export class ClassifierRegistry {
  readonly #classifiers: Classifier[] = [];

  register(...classifiers: Classifier[]): this {
    this.#classifiers.push(...classifiers);
    return this;
  }

  classify(read: ReadResult): Classification {
    let best: Classification | null = null;
    let bestUnknown: Classification | null = null;
    for (const c of this.#classifiers) {
      const r = c.classify(read);
      const department = r.docType === 'unknown' ? null : DEPARTMENT_OF[r.docType];
      const answer: Classification = { ...r, department, classifier: c.name };
      if (r.docType === 'unknown') {
        if (!bestUnknown || r.confidence > bestUnknown.confidence) bestUnknown = answer;
      } else if (!best || r.confidence > best.confidence) {
        best = answer;
      }
    }
    return (
      best ??
      bestUnknown ?? {
        docType: 'unknown',
        confidence: 0,
        evidence: ['no classifier registered'],
        department: null,
        classifier: 'none',
      }
    );
  }
}
