import type { ReadResult } from '../schemas/read.ts';
import { type Classification, ClassifierRegistry } from './classifier.ts';
import { keywordClassifier } from './keyword.classifier.ts';

export type { Classification, ClassificationResult, Classifier } from './classifier.ts';
export { ClassifierRegistry } from './classifier.ts';
export { KEYWORDS, keywordClassifier } from './keyword.classifier.ts';

/** A registry with the built-in classifiers. */
export function defaultClassifiers(): ClassifierRegistry {
  return new ClassifierRegistry().register(keywordClassifier());
}

let shared: ClassifierRegistry | null = null;

/** Classifies with the built-in classifiers. */
export function classifyDocument(read: ReadResult): Classification {
  shared ??= defaultClassifiers();
  return shared.classify(read);
}
