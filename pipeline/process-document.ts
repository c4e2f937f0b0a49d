import { crossCheckPages, findEInvoice } from '../extractors/e-invoice.ts';
import type { LlmAssistant } from '../extractors/llm/assist.ts';
import { type ClassifiedType, DEPARTMENT_OF, type DocType, type ExtractedFields } from '../schemas/common.ts';
import { SCHEMA_VERSION } from '../schemas/documents.ts';
import type { PageRead, ReadResult } from '../schemas/read.ts';
import type { FailedEntry, PostedRecord, ReviewItem, ReviewReason, SplitInfo } from '../schemas/record.ts';
import { SPLIT_DEFAULTS, type Thresholds } from '../schemas/thresholds.ts';
import { applyConfidenceModel, type ConfidenceModel, type Signals, signalsOf } from './confidence.ts';
import { isPipelineError } from './errors.ts';
import type { IngestedFile } from './ingest.ts';
import { FUSED_STEP } from './ocr-fusion.ts';
import { route } from './route.ts';
import { type SplitSignal, splitDocuments } from './split.ts';

export interface Classification {
  docType: ClassifiedType;
  confidence: number;
}

/**
 * What a document needs from the outside world. The CLI, the service workers and the tests
 * each build one; stages never reach past it.
 */
export interface PipelineDeps {
  /**
   * `pageImages[i]` is the picture page i's boxes refer to, when the reader keeps one (null for
   * a text-layer page it did not draw; see renderPdfPageImage).
   */
  read(
    file: IngestedFile,
    hooks: { onPage?: (page: PageRead) => void },
  ): Promise<ReadResult & { pageImages?: (Buffer | null)[] }>;
  /** May be async: an LLM-assisted classifier or extractor answers over the network. */
  classify(read: ReadResult): Classification | Promise<Classification>;
  extract(docType: DocType, read: ReadResult): ExtractedFields | Promise<ExtractedFields>;
  validate(docType: DocType, fields: ExtractedFields): ReviewReason[];
  thresholds: Thresholds;
  /** Turns the rules' confidences into probabilities of being right; null keeps the rules' own. */
  confidenceModel?: ConfidenceModel | null;
  clock(): Date;
  /**
   * An LLM that checks and completes the rules' reading, and places documents the classifier
   * calls unknown. Absent unless one is configured; then nothing here changes.
   */
  assistant?: LlmAssistant;
}

/**
 * Every field as decided, withheld ones included, with the signals its confidence was
 * computed from: for evaluation and calibration, never written to a record.
 */
export interface Decided {
  fields: ExtractedFields;
  signals: Record<string, Signals>;
  /** Review reasons other than a field's low confidence: what would hold the document whatever the bars. */
  otherReasons: string[];
}

export type DocumentOutcome =
  | { kind: 'posted'; record: PostedRecord; decided?: Decided }
  | { kind: 'review'; item: ReviewItem; decided?: Decided }
  | { kind: 'failed'; entry: FailedEntry };

/** How each page was read, as a record tells it (no lines: the record carries fields). */
export function pageSummaries(read: ReadResult): PostedRecord['pages'] {
  return read.pages.map((p) => ({
    number: p.number,
    source: p.source,
    width: p.width,
    height: p.height,
    dpi: p.dpi,
    ocrConfidence: p.ocrConfidence,
    preprocess: p.preprocess,
  }));
}

export function documentId(sha256: string): string {
  return sha256.slice(0, 16);
}

/** The file's pages, or why it cannot be read (an expected outcome, not an exception). */
async function readOrFail(
  file: IngestedFile,
  deps: PipelineDeps,
  hooks: { onPage?: (page: PageRead) => void },
): Promise<ReadResult | Extract<DocumentOutcome, { kind: 'failed' }>> {
  try {
    return await deps.read(file, hooks);
  } catch (e) {
    if (isPipelineError(e) && !e.retryable) {
      return {
        kind: 'failed',
        entry: { sourceFile: file.fileName, sha256: file.sha256, code: e.code, message: e.message },
      };
    }
    throw e;
  }
}

/**
 * Reads, classifies, extracts, validates and routes one ingested file as one document. Expected
 * outcomes (review, unreadable input) are returned; only a bug or a broken dependency throws,
 * and the caller records that as an internal error so the batch goes on.
 */
export async function processDocument(
  file: IngestedFile,
  deps: PipelineDeps,
  hooks: { onPage?: (page: PageRead) => void } = {},
): Promise<DocumentOutcome> {
  const read = await readOrFail(file, deps, hooks);
  return 'kind' in read ? read : decideDocument(file, read, deps);
}

/** processDocument for a file that may hold several documents: one outcome per document in it. */
export async function processDocuments(
  file: IngestedFile,
  deps: PipelineDeps,
  hooks: { onPage?: (page: PageRead) => void } = {},
): Promise<DocumentOutcome[]> {
  const read = await readOrFail(file, deps, hooks);
  return 'kind' in read ? [read] : decideDocuments(file, read, deps);
}

/** What decideDocument needs of the file: its name and hash, not its bytes. */
export type FileIdentity = Pick<IngestedFile, 'fileName' | 'sha256'>;

export type DecidedOutcome = Exclude<DocumentOutcome, { kind: 'failed' }>;

/** A part of a multi-document file: the file's id, '-', the 1-based part number. */
export function partId(parentId: string, part: number): string {
  return `${parentId}-${part}`;
}

/**
 * Decides a read file as the documents it holds: the split detector's page groups (or, from a
 * reviewer, `groups` of 1-based page numbers), each group decided on its own pages, which keep
 * their numbers in the file so evidence boxes and page images still point at the right page.
 * One group is the file as one document, decided exactly as decideDocument does, without `split`.
 * A file with an embedded e-invoice is one invoice whatever its pages look like: the XML says so.
 */
export async function decideDocuments(
  file: FileIdentity,
  read: ReadResult,
  deps: Omit<PipelineDeps, 'read'>,
  groups?: number[][],
): Promise<DecidedOutcome[]> {
  const bar = deps.thresholds.split ?? SPLIT_DEFAULTS;
  type Part = { pages: number[]; signals: SplitSignal[] };
  let parts: Part[];
  let confidence = 1;
  let reasons: ReviewReason[] = [];
  if (groups) {
    parts = groups.map((pages) => ({ pages: [...pages].sort((a, b) => a - b), signals: [] }));
  } else {
    if (read.attachments?.length) return [await decideDocument(file, read, deps)];
    const found = splitDocuments(read, { threshold: bar.boundaryScore });
    const numberOf = (i: number) => read.pages[i]!.number;
    parts = found.groups.map((g) => ({ pages: g.pages.map(numberOf), signals: g.signals }));
    confidence = found.confidence;
    const close = found.boundaries.filter((b) => b.confidence < bar.reviewBelow);
    if (parts.length > 1 && close.length > 0) {
      const said = close.map((b) => {
        const page = numberOf(b.pageIndex);
        return b.score >= bar.boundaryScore
          ? `page ${page} starts a new document (score ${b.score}, bar ${bar.boundaryScore})`
          : `page ${page} continues the one before (score ${b.score}, bar ${bar.boundaryScore})`;
      });
      reasons = [
        {
          code: 'split-uncertain',
          fields: [],
          message: `The file was split into ${parts.length} documents, but narrowly: ${said.join('; ')}. Confirm or correct where each document starts.`,
        },
      ];
    }
  }
  if (parts.length <= 1) return [await decideDocument(file, read, deps)];
  const parentId = documentId(file.sha256);
  const outcomes: DecidedOutcome[] = [];
  // One at a time: an LLM session and the OCR pool are already busy with other files.
  for (const [i, p] of parts.entries()) {
    const pages = new Set(p.pages);
    const split: SplitInfo = {
      parentId,
      part: i + 1,
      of: parts.length,
      pages: p.pages,
      confidence,
      signals: p.signals,
      by: groups ? 'reviewer' : 'detector',
    };
    outcomes.push(
      await decideDocument(file, { pages: read.pages.filter((pg) => pages.has(pg.number)) }, deps, {
        split,
        reasons,
      }),
    );
  }
  return outcomes;
}

/**
 * Classifies, extracts, validates and routes a document whose pages are already read. The
 * service calls this once its page jobs are done; processDocument calls it after reading.
 */
export async function decideDocument(
  file: FileIdentity,
  read: ReadResult,
  deps: Omit<PipelineDeps, 'read'>,
  part: { split: SplitInfo; reasons: ReviewReason[] } | null = null,
): Promise<DecidedOutcome> {
  const base = {
    id: part ? partId(part.split.parentId, part.split.part) : documentId(file.sha256),
    sourceFile: file.fileName,
    sha256: file.sha256,
    pages: pageSummaries(read),
    schemaVersion: SCHEMA_VERSION,
    processedAt: deps.clock().toISOString(),
    ...(part ? { split: part.split } : {}),
  };

  const llm = deps.assistant?.session();
  // Reasons raised besides validation (the LLM check, an unreadable e-invoice); route() passes them through.
  const raised: ReviewReason[] = [...(part?.reasons ?? [])];
  const usage = () => {
    const u = llm?.usage();
    return u ? { llm: u } : {};
  };

  const embedded = findEInvoice(read.attachments);
  if (embedded && 'invoice' in embedded) {
    // The XML is what the seller's system booked: read from it, with the pages as a cross-check.
    const { fields, problems } = embedded.invoice;
    // Line items are checked by the XML's own arithmetic, not by the page rules (see EInvoice).
    const { lineItems: _items, ...headerFields } = fields;
    const validation = [
      ...deps.validate('invoice', headerFields),
      ...problems.map((message) => ({ code: 'rule-failed' as const, fields: ['lineItems'], message })),
      ...crossCheckPages(embedded.invoice, read),
    ];
    const decision = route({
      docType: 'invoice',
      classConfidence: 1,
      fields,
      validation,
      thresholds: deps.thresholds,
    });
    const record = {
      ...base,
      docType: 'invoice' as const,
      department: DEPARTMENT_OF.invoice,
      classConfidence: 1,
      fields,
    };
    if (decision.outcome === 'posted') return { kind: 'posted', record };
    return { kind: 'review', item: { ...record, reasons: decision.reasons } };
  }
  if (embedded && 'error' in embedded) {
    raised.push({
      code: 'e-invoice-unreadable',
      fields: [],
      message: `The document carries an e-invoice that cannot be read (${embedded.error}); its pages were read instead.`,
    });
  }

  let cls: Classification = await deps.classify(read);
  if (cls.docType === 'unknown' && llm) {
    const asked = await llm.classify(read, { docType: 'unknown', confidence: cls.confidence });
    cls = { docType: asked.docType, confidence: asked.confidence };
    raised.push(...asked.reasons);
  }
  if (cls.docType === 'unknown') {
    const decision = route({
      docType: 'unknown',
      classConfidence: cls.confidence,
      fields: {},
      validation: [],
      thresholds: deps.thresholds,
    });
    const reasons = decision.outcome === 'review' ? decision.reasons : [];
    return {
      kind: 'review',
      item: {
        ...base,
        docType: 'unknown',
        department: null,
        classConfidence: cls.confidence,
        fields: {},
        reasons: [...reasons, ...raised],
        ...usage(),
      },
    };
  }

  const docType = cls.docType;
  let fields = await deps.extract(docType, read);
  if (llm) {
    const checked = await llm.extract(docType, read, fields);
    fields = checked.fields;
    raised.push(...checked.reasons);
  }
  const validation = [...deps.validate(docType, fields), ...raised];
  const signals = signalsOf(fields, { read, classConfidence: cls.confidence, reasons: validation });
  fields = applyConfidenceModel(deps.confidenceModel ?? null, docType, fields, signals);
  const decision = route({
    docType,
    classConfidence: cls.confidence,
    fields,
    validation,
    thresholds: deps.thresholds,
    fusedPages: fusedPages(read),
  });
  const decided: Decided = {
    fields,
    signals,
    otherReasons:
      decision.outcome === 'review'
        ? decision.reasons.filter((r) => r.code !== 'low-confidence').map((r) => r.code)
        : [],
  };
  const record = {
    ...base,
    docType,
    department: DEPARTMENT_OF[docType],
    classConfidence: cls.confidence,
    fields,
    ...usage(),
  };
  if (decision.outcome === 'posted') {
    const left = new Set([...decision.withheld, ...decision.ignored]);
    const posted = Object.fromEntries(Object.entries(fields).filter(([name]) => !left.has(name)));
    const withheld = decision.withheld.length > 0 ? { withheld: decision.withheld } : {};
    return { kind: 'posted', record: { ...record, fields: posted, ...withheld }, decided };
  }
  return { kind: 'review', item: { ...record, reasons: decision.reasons }, decided };
}

/** Numbers of the pages whose reading fused the line reader's with Tesseract's. */
export function fusedPages(read: ReadResult): Set<number> {
  return new Set(read.pages.filter((p) => p.preprocess?.steps.includes(FUSED_STEP)).map((p) => p.number));
}
