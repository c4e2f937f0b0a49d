import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { defaultClassifiers } from '../classifiers/index.ts';
import { defaultExtractors } from '../extractors/index.ts';
import { createLlmAssistant } from '../extractors/llm/assist.ts';
import type { DocType, ExtractedFields } from '../schemas/common.ts';
import { defaultLlmSettings, type LlmConfig } from '../schemas/llm.ts';
import type { ReadResult } from '../schemas/read.ts';
import { type ChatModelSource, createChatModelClient, createOpenAiClient } from './adapters/llm.ts';
import { createOcrPool, type OcrLanguageCode } from './adapters/ocr.ts';
import { DEFAULT_CONFIDENCE_MODEL_PATH, loadConfidenceModel } from './confidence.ts';
import { loadThresholds } from './config.ts';
import type { IngestLimits } from './ingest.ts';
import type { PipelineDeps } from './process-document.ts';
import { readDocument } from './read.ts';
import { validateFields } from './validate.ts';

export interface LocalDepsOptions {
  /** Routing thresholds file. Default: pipeline/thresholds.json. */
  thresholdsPath?: string | undefined;
  /**
   * The fitted confidence model (pipeline/confidence.ts). Default (undefined):
   * pipeline/confidence-model.json when it exists; null: keep the extractors' own confidences.
   */
  confidenceModelPath?: string | null | undefined;
  /** Vendor memory consulted when deciding (see DecideDepsOptions). */
  vendorMemory?: VendorMemoryHook | undefined;
  limits: IngestLimits;
  /** OCR workers. Default: one per core. */
  ocrWorkers?: number;
  /** Read scans with the line recogniser too, fused with Tesseract (pipeline/ocr-fusion.ts). Default true. */
  lineReader?: boolean;
  /** Tesseract models a page may be re-read with once its language is detected. Default all six. */
  ocrLanguages?: readonly OcrLanguageCode[];
  /**
   * Draw every text-layer page's image while reading (`paperline process --page-images`).
   * Default false: those are drawn only when asked for (see ReadOptions).
   */
  renderTextLayerPages?: boolean;
  /**
   * The LLM to check and complete extraction with (schemas/llm.ts, from the environment).
   * Default: none, and the pipeline is rules only. Never read from the environment here, so
   * a test or a library caller with OPENAI_API_KEY in its shell does not call out by surprise.
   */
  llm?: Readonly<LlmConfig> | null;
  /**
   * Any LangChain chat model to assist with, in place of the OpenAI-compatible one `llm`
   * describes: ChatAnthropic, ChatOllama, ChatBedrockConverse, AzureChatOpenAI… It is asked
   * through `withStructuredOutput` like the built-in one, its answers are grounded the same
   * way, and `llm`'s budget, prices, retries and concurrency apply (their defaults, at no
   * price, when `llm` is unset). Default: none.
   */
  chatModel?: ChatModelOption | undefined;
}

export interface ChatModelOption {
  /** The model, or a function making one per request with the answer-token cap (see ChatModelSource). */
  model: ChatModelSource;
  /** Its name, for the records' usage and cost figures. */
  name: string;
  /** How `withStructuredOutput` asks for the answer. Default: the provider's own default. */
  method?: 'jsonSchema' | 'functionCalling';
  /** Ask for strict schema decoding, for providers that support it (OpenAI's). Default false. */
  strict?: boolean;
}

/**
 * Wires the in-process pipeline: one OCR pool for the whole run (workers start once), the
 * built-in classifiers and extractors. `close()` stops the OCR workers.
 */
export async function createLocalDeps(
  opts: LocalDepsOptions,
): Promise<{ deps: PipelineDeps; close: () => Promise<void> }> {
  const ocr = createOcrPool({
    size: opts.ocrWorkers ?? availableParallelism(),
    lineReader: opts.lineReader ?? true,
    ...(opts.ocrLanguages ? { languages: opts.ocrLanguages } : {}),
  });
  const deps: PipelineDeps = {
    read: (file, hooks) =>
      readDocument(
        file,
        { ocr },
        {
          limits: opts.limits,
          onPage: hooks.onPage,
          ...(opts.renderTextLayerPages ? { renderTextLayerPages: true } : {}),
        },
      ),
    ...(await createDecideDeps({
      thresholdsPath: opts.thresholdsPath,
      llm: opts.llm ?? null,
      confidenceModelPath: opts.confidenceModelPath,
      vendorMemory: opts.vendorMemory,
      chatModel: opts.chatModel,
    })),
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

export interface DecideDepsOptions
  extends Pick<LocalDepsOptions, 'thresholdsPath' | 'llm' | 'confidenceModelPath' | 'chatModel'> {
  /**
   * Applied after rule extraction, before the LLM assistant. Default: none (the CLI keeps no
   * memory between runs unless given --memory).
   */
  vendorMemory?: VendorMemoryHook | undefined;
}

/**
 * Everything after reading: the built-in classifiers and extractors, validation, thresholds,
 * and the LLM assistant when one is configured. The CLI and the service workers both use it.
 */
export async function createDecideDeps(opts: DecideDepsOptions = {}): Promise<Omit<PipelineDeps, 'read'>> {
  const thresholds = await loadThresholds(opts.thresholdsPath);
  const modelPath =
    opts.confidenceModelPath === undefined
      ? existsSync(DEFAULT_CONFIDENCE_MODEL_PATH)
        ? DEFAULT_CONFIDENCE_MODEL_PATH
        : null
      : opts.confidenceModelPath;
  const confidenceModel = modelPath ? await loadConfidenceModel(modelPath) : null;
  const classifiers = defaultClassifiers();
  const extractors = defaultExtractors();
  const memory = opts.vendorMemory;
  return {
    classify: (read) => classifiers.classify(read),
    extract: memory
      ? async (docType, read) => memory(docType, read, await extractors.extract(docType, read))
      : (docType, read) => extractors.extract(docType, read),
    validate: (docType, fields) => validateFields(docType, fields),
    thresholds,
    confidenceModel,
    clock: () => new Date(),
    ...assistantOf(opts),
  };
}

function assistantOf(opts: Pick<DecideDepsOptions, 'llm' | 'chatModel'>): Pick<PipelineDeps, 'assistant'> {
  if (opts.chatModel) {
    const { model, name, method, strict } = opts.chatModel;
    const settings = opts.llm ? { ...opts.llm, model: name } : defaultLlmSettings(name);
    const client = createChatModelClient(model, {
      model: name,
      concurrency: settings.concurrency,
      maxRetries: settings.maxRetries,
      ...(method ? { method } : {}),
      ...(strict ? { strict } : {}),
    });
    return { assistant: createLlmAssistant(client, settings) };
  }
  if (opts.llm) return { assistant: createLlmAssistant(createOpenAiClient(opts.llm), opts.llm) };
  return {};
}
