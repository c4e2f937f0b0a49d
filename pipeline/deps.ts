import { availableParallelism } from 'node:os';
import { defaultClassifiers } from '../classifiers/index.ts';
import { defaultExtractors } from '../extractors/index.ts';
import { createOcrPool } from './adapters/ocr.ts';
import { loadThresholds } from './config.ts';
import type { IngestLimits } from './ingest.ts';
import type { PipelineDeps } from './process-document.ts';
import { readDocument } from './read.ts';
import { validateFields } from './validate.ts';

export interface LocalDepsOptions {
  /** Routing thresholds file. Default: pipeline/thresholds.json. */
  thresholdsPath?: string | undefined;
  limits: IngestLimits;
  /** OCR workers. Default: one per core. */
  ocrWorkers?: number;
}

/**
 * Wires the in-process pipeline: one OCR pool for the whole run (workers start once), the
 * built-in classifiers and extractors. `close()` stops the OCR workers.
 */
export async function createLocalDeps(
  opts: LocalDepsOptions,
): Promise<{ deps: PipelineDeps; close: () => Promise<void> }> {
  const thresholds = await loadThresholds(opts.thresholdsPath);
  const ocr = createOcrPool({ size: opts.ocrWorkers ?? availableParallelism() });
  const classifiers = defaultClassifiers();
  const extractors = defaultExtractors();
  const deps: PipelineDeps = {
    read: (file, hooks) => readDocument(file, { ocr }, { limits: opts.limits, onPage: hooks.onPage }),
    classify: (read) => classifiers.classify(read),
    extract: (docType, read) => extractors.extract(docType, read),
    validate: (docType, fields) => validateFields(docType, fields),
    thresholds,
    clock: () => new Date(),
  };
  return { deps, close: () => ocr.close() };
}
