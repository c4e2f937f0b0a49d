/**
 * Stable reason codes for documents that cannot be processed. They are values a clerk
 * reads in `failed.jsonl` and a worker maps to "do not retry".
 */
export type FailureCode =
  | 'empty-file'
  | 'unsupported-type'
  | 'mislabelled'
  | 'truncated'
  | 'corrupt'
  | 'encrypted'
  | 'too-large'
  | 'too-many-pages'
  | 'too-many-pixels'
  | 'unreadable'
  | 'internal-error';

export class PipelineError extends Error {
  readonly code: FailureCode;
  /** A transient fault (a dead OCR worker, a full disk) is worth retrying; bad input is not. */
  readonly retryable: boolean;

  constructor(code: FailureCode, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, { cause: options?.cause });
    this.name = 'PipelineError';
    this.code = code;
    this.retryable = options?.retryable ?? false;
  }
}

export function isPipelineError(e: unknown): e is PipelineError {
  return e instanceof PipelineError;
}
