import OpenAI from 'openai';
import type { LlmConfig } from '../../schemas/llm.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** One request for an answer shaped by a JSON Schema. */
export interface StructuredRequest {
  messages: ChatMessage[];
  /** Schema (or tool) name: letters, digits, "_" and "-". */
  name: string;
  description: string;
  /** A JSON Schema in the subset strict structured output accepts. */
  schema: Record<string, unknown>;
  /** Cap on answer tokens, from what is left of the document's budget. */
  maxOutputTokens: number;
}

export interface StructuredReply {
  /** The answer's JSON text (message content, or the tool call's arguments); null when there was none. */
  text: string | null;
  /** The model's refusal, when it gave one instead of an answer. */
  refusal: string | null;
  /** Tokens as the server counted them; null when it did not say. */
  usage: { inputTokens: number; outputTokens: number } | null;
  /** HTTP requests this answer took, retries included. */
  requests: number;
}

export type LlmErrorCode =
  | 'timeout'
  | 'rate-limited'
  | 'server-error'
  | 'connection'
  | 'rejected'
  | 'unavailable';

/** A request that got no answer, after the retries it was allowed. */
export class LlmError extends Error {
  override name = 'LlmError';
  constructor(
    readonly code: LlmErrorCode,
    message: string,
    /** HTTP requests spent before giving up. */
    readonly requests: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The one thing the pipeline asks of an LLM: a structured answer. The SDK stays in here. */
export interface LlmClient {
  readonly model: string;
  complete(req: StructuredRequest): Promise<StructuredReply>;
}

export interface OpenAiClientOptions {
  /** Longest Retry-After honoured; a server asking for more is given up on. Default 60 s. */
  maxRetryAfterMs?: number;
  /**
   * Requests in a row that may end unanswered (after their retries) before the client stops
   * asking for `breakerCooldownMs`, so a dead server costs a batch seconds, not a retry cycle
   * per document. Default 3.
   */
  breakerThreshold?: number;
  /** How long the client stops asking once the threshold is reached; then one request probes. Default 30 s. */
  breakerCooldownMs?: number;
  /** Milliseconds now, for the breaker; tests step it instead of sleeping through a pause. */
  now?: () => number;
}

const OPENAI_API_URL = 'https://api.openai.com/v1';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * An LlmClient over the openai SDK, for OpenAI and any server that speaks its chat
 * completions API (Azure OpenAI's /openai/v1, Ollama, vLLM, llama.cpp). Retries are done
 * here rather than by the SDK so each one is counted, Retry-After is honoured within a cap,
 * and the concurrency slot is given back while waiting.
 */
export function createOpenAiClient(config: Readonly<LlmConfig>, opts: OpenAiClientOptions = {}): LlmClient {
  const sdk = new OpenAI({
    apiKey: config.apiKey,
    // Always given, or the SDK would read OPENAI_BASE_URL from the process behind the config's back.
    baseURL: config.baseURL ?? OPENAI_API_URL,
    timeout: config.timeoutMs,
    maxRetries: 0,
  });
  // OpenAI's newer models refuse max_tokens; llama.cpp and Ollama only know max_tokens.
  const openAiItself =
    config.baseURL === null ||
    /(^|\.)(openai\.com|openai\.azure\.com)$/.test(new URL(config.baseURL).hostname);
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000;
  const slots = semaphore(config.concurrency);

  const once = async (req: StructuredRequest): Promise<Omit<StructuredReply, 'requests'>> => {
    const strictSchema = { name: req.name, description: req.description, schema: req.schema, strict: true };
    const common = {
      model: config.model,
      messages: req.messages,
      temperature: 0,
      ...(openAiItself
        ? { max_completion_tokens: req.maxOutputTokens }
        : { max_tokens: req.maxOutputTokens }),
    };
    const completion =
      config.output === 'tools'
        ? await sdk.chat.completions.create({
            ...common,
            tools: [
              {
                type: 'function',
                function: {
                  name: req.name,
                  description: req.description,
                  parameters: req.schema,
                  strict: true,
                },
              },
            ],
            tool_choice: { type: 'function', function: { name: req.name } },
          })
        : await sdk.chat.completions.create({
            ...common,
            response_format: { type: 'json_schema', json_schema: strictSchema },
          });
    const message = completion.choices[0]?.message;
    const call = message?.tool_calls?.find((c) => c.type === 'function');
    const text =
      config.output === 'tools' ? (call?.function.arguments ?? message?.content) : message?.content;
    return {
      text: text ?? null,
      refusal: message?.refusal ?? null,
      usage: completion.usage
        ? { inputTokens: completion.usage.prompt_tokens, outputTokens: completion.usage.completion_tokens }
        : null,
    };
  };

  const breakerThreshold = opts.breakerThreshold ?? 3;
  const now = opts.now ?? Date.now;
  const breakerCooldownMs = opts.breakerCooldownMs ?? 30_000;
  let unansweredInARow = 0;
  let pausedUntil = 0;

  const attempts = async (req: StructuredRequest): Promise<StructuredReply> => {
    for (let attempt = 0; ; attempt++) {
      const requests = attempt + 1;
      let failure: LlmError;
      let retryAfter: number | null = null;
      const release = await slots.acquire();
      try {
        return { ...(await once(req)), requests };
      } catch (e) {
        failure = classify(e, requests);
        if (e instanceof OpenAI.APIError && e.headers) retryAfter = retryAfterMs(e.headers);
      } finally {
        release();
      }
      const retryable = failure.code !== 'rejected';
      if (!retryable || attempt >= config.maxRetries) throw failure;
      if (retryAfter !== null && retryAfter > maxRetryAfterMs) {
        throw new LlmError(
          failure.code,
          `${failure.message}; the server asked to wait ${Math.round(retryAfter / 1000)} s, longer than the ${maxRetryAfterMs / 1000} s allowed`,
          requests,
          { cause: failure },
        );
      }
      await sleep(retryAfter ?? backoffMs(attempt));
    }
  };

  return {
    model: config.model,
    async complete(req) {
      if (now() < pausedUntil) {
        throw new LlmError(
          'unavailable',
          `the LLM left the last ${unansweredInARow} requests in a row unanswered; not asked again for ${Math.ceil((pausedUntil - now()) / 1000)} s`,
          0,
        );
      }
      try {
        const reply = await attempts(req);
        unansweredInARow = 0;
        return reply;
      } catch (e) {
        // A refusal of this request says nothing about the server's health.
        if (e instanceof LlmError && e.code !== 'rejected') {
          unansweredInARow += 1;
          if (unansweredInARow >= breakerThreshold) pausedUntil = now() + breakerCooldownMs;
        }
        throw e;
      }
    },
  };
}

function classify(e: unknown, requests: number): LlmError {
  if (e instanceof OpenAI.APIConnectionTimeoutError) {
    return new LlmError('timeout', 'the LLM did not answer in time', requests, { cause: e });
  }
  if (e instanceof OpenAI.APIConnectionError) {
    return new LlmError('connection', `could not reach the LLM: ${e.message}`, requests, { cause: e });
  }
  if (e instanceof OpenAI.APIError) {
    const status = e.status ?? 0;
    if (status === 429)
      return new LlmError('rate-limited', 'the LLM server is rate limiting (429)', requests);
    // 408 and 409 are the server's own transient conditions, retried as OpenAI's SDK does.
    if (status >= 500 || status === 408 || status === 409) {
      return new LlmError('server-error', `the LLM server failed (${status})`, requests, { cause: e });
    }
    return new LlmError(
      'rejected',
      `the LLM server refused the request (${status}): ${e.message}`,
      requests,
      {
        cause: e,
      },
    );
  }
  return new LlmError('rejected', `the LLM request failed: ${(e as Error).message}`, requests, { cause: e });
}

/** Retry-After as seconds or an HTTP date, or the non-standard retry-after-ms OpenAI sends. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | null {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const v = headers.get('retry-after');
  if (v === null) return null;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Exponential backoff with jitter, so clients that failed together do not retry together. */
function backoffMs(attempt: number): number {
  const base = Math.min(8000, 500 * 2 ** attempt);
  return base * (0.75 + Math.random() * 0.25);
}

function semaphore(size: number): { acquire(): Promise<() => void> } {
  let free = size;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else free += 1;
  };
  return {
    acquire: () =>
      new Promise((resolve) => {
        const grant = () => resolve(once(release));
        if (free > 0) {
          free -= 1;
          grant();
        } else {
          waiting.push(grant);
        }
      }),
  };
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}
