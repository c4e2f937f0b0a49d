import { availableParallelism } from 'node:os';
import { defaultClassifiers } from '../classifiers/index.ts';
import { defaultExtractors } from '../extractors/index.ts';
import type { DocType, ExtractedFields } from '../schemas/common.ts';
import type { ReadResult } from '../schemas/read.ts';
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
  const ocr = createOcrPool({ size: opts.ocrWorkers ?? availableParallelism() });
  const deps: PipelineDeps = {
    read: (file, hooks) => readDocument(file, { ocr }, { limits: opts.limits, onPage: hooks.onPage }),
    ...(await createDecideDeps(opts.thresholdsPath)),
  };
  return { deps, close: () => ocr.close() };
}

/**
 * Revises the rules' fields with what is remembered about the document's issuer (see
 * pipeline/vendor-memory.ts); returns them unchanged when nothing is.
 */
export type VendorMemoryHook = (
  docType: DocType,
  read: ReadResult,
  fields: ExtractedFields,
) => Promise<ExtractedFields>;

export interface DecideDepsOptions {
  /** Applied after rule extraction. Default: none (the CLI has no memory between runs). */
  vendorMemory?: VendorMemoryHook | undefined;
}

/** Everything after reading: the built-in classifiers and extractors, validation, thresholds. */
export async function createDecideDeps(
  thresholdsPath?: string,
  options: DecideDepsOptions = {},
): Promise<Omit<PipelineDeps, 'read'>> {
  const thresholds = await loadThresholds(thresholdsPath);
  const classifiers = defaultClassifiers();
  const extractors = defaultExtractors();
  const memory = options.vendorMemory;
  return {
    classify: (read) => classifiers.classify(read),
    extract: memory
      ? async (docType, read) => memory(docType, read, await extractors.extract(docType, read))
      : (docType, read) => extractors.extract(docType, read),
    validate: (docType, fields) => validateFields(docType, fields),
    thresholds,
    clock: () => new Date(),
  };
}
