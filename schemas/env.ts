import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { DEPARTMENTS, type Department } from './common.ts';
import { type LlmConfig, LlmConfigError, llmConfigFromEnv } from './llm.ts';

/** Tesseract's names of the languages whose data ships with Paperline (npm @tesseract.js-data/*). */
export const OCR_LANGUAGE_CODES = ['eng', 'deu', 'fra', 'nld', 'spa', 'ita'] as const;
export type OcrLanguageCode = (typeof OCR_LANGUAGE_CODES)[number];

/** Environment strings that mean a number; an empty value counts as unset. */
const int = (min: number) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(min).optional());
const text = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
const webhookUrl = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z.url({ protocol: /^https?$/ }).optional(),
);
const bool = z.preprocess(
  (v) => (v === '' || v === undefined ? undefined : String(v).toLowerCase()),
  z.enum(['true', 'false', '1', '0', 'yes', 'no']).optional(),
);

/**
 * Every environment variable the service reads. Each one's description is what the README's
 * configuration table says about it.
 */
export const EnvSchema = z
  .object({
    REDIS_URL: z
      .preprocess((v) => (v === '' ? undefined : v), z.url({ protocol: /^rediss?$/ }).optional())
      .describe('Redis for the queues. Default redis://127.0.0.1:6379'),
    REDIS_PREFIX: text.describe(
      'key prefix for every queue, so several installations share a Redis. Default paperline',
    ),
    DATABASE_URL: z
      .preprocess((v) => (v === '' ? undefined : v), z.url({ protocol: /^postgres(ql)?$/ }).optional())
      .describe('PostgreSQL connection URL. Unset: PGlite (embedded Postgres) under PAPERLINE_DATA_DIR/db'),
    PAPERLINE_DATA_DIR: text.describe('folder for the embedded database and stored files. Default ./data'),
    S3_ENDPOINT: z
      .preprocess((v) => (v === '' ? undefined : v), z.url({ protocol: /^https?$/ }).optional())
      .describe(
        'S3 or MinIO endpoint, e.g. http://127.0.0.1:9000. Unset: files under PAPERLINE_DATA_DIR/files',
      ),
    S3_BUCKET: text.describe('bucket for originals and page images (created if missing). Default paperline'),
    S3_ACCESS_KEY: text.describe('S3 access key'),
    S3_SECRET_KEY: text.describe('S3 secret key'),
    S3_REGION: text.describe('S3 region. Default us-east-1'),
    PORT: int(1).describe('HTTP port of `paperline serve` (--port wins). Default 3000'),
    HOST: text.describe('address the API listens on. Default 127.0.0.1'),
    PAPERLINE_MAX_FILE_MB: int(1).describe('largest upload file, MB. Default 50'),
    PAPERLINE_MAX_FILES: int(1).describe('most files in one upload. Default 100'),
    PAPERLINE_MAX_PAGES: int(1).describe('most pages per document. Default 50'),
    PAPERLINE_MAX_PIXELS: int(1).describe('most pixels one page may decode to. Default 100000000'),
    PAPERLINE_THRESHOLDS: text.describe('routing thresholds file. Default pipeline/thresholds.json'),
    PAPERLINE_PAGE_CONCURRENCY: int(1).describe(
      'pages one worker process reads at once (OCR). Default: cores',
    ),
    PAPERLINE_DOCUMENT_CONCURRENCY: int(1).describe(
      'documents one worker process classifies, extracts and routes at once. Default 4',
    ),
    PAPERLINE_JOB_ATTEMPTS: int(1).describe('tries a job gets for transient faults, with backoff. Default 3'),
    PAPERLINE_LOCK_MS: int(1000).describe(
      'how long a job stays claimed without a heartbeat before another worker takes it over. Default 60000',
    ),
    PAPERLINE_REVIEW_SLA_HOURS: int(1).describe(
      'hours a review task may wait before it is overdue, for departments without their own value. Default 24',
    ),
    PAPERLINE_REVIEW_SLA_HOURS_FINANCE: int(1).describe(
      'review SLA of finance documents, hours. Default: PAPERLINE_REVIEW_SLA_HOURS',
    ),
    PAPERLINE_REVIEW_SLA_HOURS_HR: int(1).describe(
      'review SLA of HR documents, hours. Default: PAPERLINE_REVIEW_SLA_HOURS',
    ),
    PAPERLINE_REVIEW_SLA_HOURS_CLAIMS: int(1).describe(
      'review SLA of claims documents, hours. Default: PAPERLINE_REVIEW_SLA_HOURS',
    ),
    PAPERLINE_REVIEW_LEASE_MINUTES: int(1).describe(
      'how long a claimed review task stays with its reviewer before it returns to the queue; claiming again renews it. Default 15',
    ),
    PAPERLINE_INBOX_DIR: text.describe(
      'a watched folder `paperline serve` takes files in from, as uploads; they move to its done/ or failed/ with a result file. Unset: no inbox',
    ),
    PAPERLINE_INBOX_SETTLE_MS: int(0).describe(
      'how long an inbox file must stay unchanged (size and modification time) before it is read; also the scan interval. Default 2000',
    ),
    PAPERLINE_RUN_WORKERS: bool.describe('whether `paperline serve` also runs queue workers. Default true'),
    PAPERLINE_OCR_LINE_READER: bool.describe(
      'whether scans Tesseract is unsure of are also read by the line recogniser (PaddleOCR) and the two fused; `paperline process`, `eval` and `bench` read it too. Default true',
    ),
    PAPERLINE_OCR_LANGUAGES: z
      .preprocess(
        (v) =>
          v === '' || v === undefined
            ? undefined
            : String(v)
                .split(',')
                .map((c) => c.trim().toLowerCase()),
        z.array(z.enum(OCR_LANGUAGE_CODES)).min(1).optional(),
      )
      .describe(
        "languages scans may be read in, comma-separated Tesseract codes (eng, deu, fra, nld, spa, ita); each page is read in English first and read again with its own language's model when it is detected as another of these. `eng` alone reads English only. Default all six",
      ),
    PAPERLINE_WEBHOOK_URL_FINANCE: webhookUrl.describe(
      'where finance records are POSTed as they are posted (a webhook). Unset: no webhook for finance',
    ),
    PAPERLINE_WEBHOOK_URL_HR: webhookUrl.describe('where HR records are POSTed. Unset: no webhook for HR'),
    PAPERLINE_WEBHOOK_URL_CLAIMS: webhookUrl.describe(
      'where claims records are POSTed. Unset: no webhook for claims',
    ),
    PAPERLINE_WEBHOOK_SECRET: text.describe(
      'shared secret the webhooks are signed with (HMAC-SHA256); required when a webhook URL is set',
    ),
    PAPERLINE_WEBHOOK_TIMEOUT_MS: int(100).describe(
      'how long one webhook request may take before it counts as failed. Default 10000',
    ),
    PAPERLINE_WEBHOOK_RETRY_MS: int(1).describe(
      'wait before the first retry of a failed webhook; each further retry waits twice as long. Default 5000',
    ),
    PAPERLINE_WEBHOOK_RETRY_MAX_MS: int(1).describe(
      'the longest wait between two retries of a webhook; retries go on at this pace until the endpoint answers 2xx. Default 3600000 (1 hour)',
    ),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .optional()
      .describe('log level. Default info'),
  })
  .loose();

export interface ServiceConfig {
  redisUrl: string;
  redisPrefix: string;
  databaseUrl: string | null;
  dataDir: string;
  s3: { endpoint: string; bucket: string; accessKey: string; secretKey: string; region: string } | null;
  port: number;
  host: string;
  limits: { maxFileBytes: number; maxFiles: number; maxPages: number; maxPixels: number };
  thresholdsPath: string | undefined;
  pageConcurrency: number;
  documentConcurrency: number;
  jobAttempts: number;
  lockMs: number;
  runWorkers: boolean;
  /** The watched folder `serve` submits files from (pipeline/inbox.ts); null without one. */
  inbox: { dir: string; settleMs: number } | null;
  /** Read scans with the line recogniser too (pipeline/ocr-fusion.ts). */
  lineReader: boolean;
  /** Languages scans may be read in (createOcrPool's `languages`). */
  ocrLanguages: readonly OcrLanguageCode[];
  logLevel: string;
  review: {
    /** SLA hours per department; `default` also covers documents of no known type. */
    slaHours: { finance: number; hr: number; claims: number; default: number };
    leaseMinutes: number;
  };
  /** The LLM assistant's settings (schemas/llm.ts); null when OPENAI_API_KEY is unset. */
  llm: Readonly<LlmConfig> | null;
  /** Webhook delivery of posted records; null when no PAPERLINE_WEBHOOK_URL_* is set. */
  webhooks: Readonly<WebhookConfig> | null;
}

export interface WebhookConfig {
  /** Endpoint per department; a department without one gets no webhook. */
  urls: Readonly<Partial<Record<Department, string>>>;
  secret: string;
  timeoutMs: number;
  /** First retry delay; doubled per failed attempt up to retryMaxMs. */
  retryMs: number;
  retryMaxMs: number;
}

const yes = (v: string | undefined, dflt: boolean) =>
  v === undefined ? dflt : ['true', '1', 'yes'].includes(v);

/**
 * `PAPERLINE_OCR_LINE_READER` for the batch commands (`process`, `eval`, `bench`), which read
 * no other service setting: whether scans Tesseract is unsure of are also read by the line
 * recogniser. Throws an EnvError on a value that is not a yes or a no.
 */
export function lineReaderFromEnv(env: Record<string, string | undefined>): boolean {
  const parsed = EnvSchema.shape.PAPERLINE_OCR_LINE_READER.safeParse(env.PAPERLINE_OCR_LINE_READER);
  if (!parsed.success) throw new EnvError(['PAPERLINE_OCR_LINE_READER: expected true or false']);
  return yes(parsed.data, true);
}

/**
 * `PAPERLINE_OCR_LANGUAGES` for the batch commands, like lineReaderFromEnv: the Tesseract
 * languages scans may be read in. Throws an EnvError on a code that is not one of them.
 */
export function ocrLanguagesFromEnv(env: Record<string, string | undefined>): readonly OcrLanguageCode[] {
  const parsed = EnvSchema.shape.PAPERLINE_OCR_LANGUAGES.safeParse(env.PAPERLINE_OCR_LANGUAGES);
  if (!parsed.success) {
    throw new EnvError([
      `PAPERLINE_OCR_LANGUAGES: expected a comma list of ${OCR_LANGUAGE_CODES.join(', ')}`,
    ]);
  }
  return Object.freeze([...(parsed.data ?? OCR_LANGUAGE_CODES)]);
}

export class EnvError extends Error {
  override name = 'EnvError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

/** Parses the environment once, reporting every bad key together, and freezes the result. */
export function loadServiceConfig(
  env: Record<string, string | undefined> = process.env,
): Readonly<ServiceConfig> {
  const parsed = EnvSchema.safeParse(env);
  const problems: string[] = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message} (got "${env[String(i.path[0])]}")`);
  let llm: Readonly<LlmConfig> | null = null;
  try {
    llm = llmConfigFromEnv(env);
  } catch (err) {
    if (!(err instanceof LlmConfigError)) throw err;
    problems.push(...err.problems);
  }
  if (!parsed.success) throw new EnvError(problems);
  const e = parsed.data;
  const s3Keys = [e.S3_ENDPOINT, e.S3_ACCESS_KEY, e.S3_SECRET_KEY];
  if (s3Keys.some(Boolean) && !s3Keys.every(Boolean)) {
    problems.push('S3_ENDPOINT, S3_ACCESS_KEY and S3_SECRET_KEY: set all three for object storage, or none');
  }
  const webhookUrls = Object.fromEntries(
    DEPARTMENTS.flatMap((d) => {
      const url = e[`PAPERLINE_WEBHOOK_URL_${d.toUpperCase() as Uppercase<Department>}`];
      return url ? [[d, url]] : [];
    }),
  ) as Partial<Record<Department, string>>;
  const hasWebhooks = Object.keys(webhookUrls).length > 0;
  if (hasWebhooks && !e.PAPERLINE_WEBHOOK_SECRET) {
    problems.push('PAPERLINE_WEBHOOK_SECRET: required when a PAPERLINE_WEBHOOK_URL_* is set');
  }
  if (problems.length) throw new EnvError(problems);
  const dataDir = resolve(e.PAPERLINE_DATA_DIR ?? './data');
  return Object.freeze({
    redisUrl: e.REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisPrefix: e.REDIS_PREFIX ?? 'paperline',
    databaseUrl: e.DATABASE_URL ?? null,
    dataDir,
    s3:
      e.S3_ENDPOINT && e.S3_ACCESS_KEY && e.S3_SECRET_KEY
        ? {
            endpoint: e.S3_ENDPOINT,
            bucket: e.S3_BUCKET ?? 'paperline',
            accessKey: e.S3_ACCESS_KEY,
            secretKey: e.S3_SECRET_KEY,
            region: e.S3_REGION ?? 'us-east-1',
          }
        : null,
    port: e.PORT ?? 3000,
    host: e.HOST ?? '127.0.0.1',
    limits: Object.freeze({
      maxFileBytes: (e.PAPERLINE_MAX_FILE_MB ?? 50) * 1024 * 1024,
      maxFiles: e.PAPERLINE_MAX_FILES ?? 100,
      maxPages: e.PAPERLINE_MAX_PAGES ?? 50,
      maxPixels: e.PAPERLINE_MAX_PIXELS ?? 100_000_000,
    }),
    thresholdsPath: e.PAPERLINE_THRESHOLDS,
    pageConcurrency: e.PAPERLINE_PAGE_CONCURRENCY ?? availableParallelism(),
    documentConcurrency: e.PAPERLINE_DOCUMENT_CONCURRENCY ?? 4,
    jobAttempts: e.PAPERLINE_JOB_ATTEMPTS ?? 3,
    lockMs: e.PAPERLINE_LOCK_MS ?? 60_000,
    runWorkers: yes(e.PAPERLINE_RUN_WORKERS, true),
    inbox: e.PAPERLINE_INBOX_DIR
      ? Object.freeze({ dir: resolve(e.PAPERLINE_INBOX_DIR), settleMs: e.PAPERLINE_INBOX_SETTLE_MS ?? 2000 })
      : null,
    lineReader: yes(e.PAPERLINE_OCR_LINE_READER, true),
    ocrLanguages: Object.freeze([...(e.PAPERLINE_OCR_LANGUAGES ?? OCR_LANGUAGE_CODES)]),
    logLevel: e.LOG_LEVEL ?? 'info',
    review: Object.freeze({
      slaHours: Object.freeze({
        finance: e.PAPERLINE_REVIEW_SLA_HOURS_FINANCE ?? e.PAPERLINE_REVIEW_SLA_HOURS ?? 24,
        hr: e.PAPERLINE_REVIEW_SLA_HOURS_HR ?? e.PAPERLINE_REVIEW_SLA_HOURS ?? 24,
        claims: e.PAPERLINE_REVIEW_SLA_HOURS_CLAIMS ?? e.PAPERLINE_REVIEW_SLA_HOURS ?? 24,
        default: e.PAPERLINE_REVIEW_SLA_HOURS ?? 24,
      }),
      leaseMinutes: e.PAPERLINE_REVIEW_LEASE_MINUTES ?? 15,
    }),
    llm,
    webhooks: hasWebhooks
      ? Object.freeze({
          urls: Object.freeze(webhookUrls),
          secret: e.PAPERLINE_WEBHOOK_SECRET!,
          timeoutMs: e.PAPERLINE_WEBHOOK_TIMEOUT_MS ?? 10_000,
          retryMs: e.PAPERLINE_WEBHOOK_RETRY_MS ?? 5000,
          retryMaxMs: e.PAPERLINE_WEBHOOK_RETRY_MAX_MS ?? 3_600_000,
        })
      : null,
  });
}

/** The review SLA of a department in hours, as recordOutcome and re-routing need it. */
export function reviewSlaHoursOf(
  config: Pick<ServiceConfig, 'review'>,
): (department: 'finance' | 'hr' | 'claims' | null) => number {
  return (department) => config.review.slaHours[department ?? 'default'];
}
