import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, type BaseMessage, HumanMessage, SystemMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import OpenAI from 'openai';
import type { z } from 'zod';
import type { LlmConfig } from '../../schemas/llm.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** One request for an answer shaped by a schema. */
export interface StructuredRequest {
  messages: ChatMessage[];
  /** Schema (or tool) name: letters, digits, "_" and "-". */
  name: string;
  description: string;
  /**
   * The answer's zod schema, handed to the chat model's `withStructuredOutput`: in the subset
   * strict structured output accepts (extractors/llm/prompt.ts builds it).
   */
  schema: z.ZodType;
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

/** The one thing the pipeline asks of an LLM: a structured answer. LangChain stays in here. */
export interface LlmClient {
  readonly model: string;
  complete(req: StructuredRequest): Promise<StructuredReply>;
}

export interface ChatModelClientOptions {
  /** The model's name, for the record's usage and cost figures. */
  model: string;
  /** Requests in flight at once, for the whole run. */
  concurrency: number;
  /** Retries after a 429, a 5xx, a timeout or a dropped connection. */
  maxRetries: number;
  /**
   * How `withStructuredOutput` asks for the answer: `jsonSchema` (a response format),
   * `functionCalling` (a forced tool call), or the provider's default when unset.
   */
  method?: 'jsonSchema' | 'functionCalling';
  /**
   * Ask for strict schema decoding (OpenAI's `strict: true`). Default false: LangChain's base
   * implementation, which many providers use, refuses the option.
   */
  strict?: boolean;
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
  /**
   * The server's answer, for a call that got one but threw while LangChain or the provider SDK
   * turned it into a message; null when there was no answer (the error is a real failure).
   */
  recoverAnswer?: (model: BaseChatModel) => Promise<Omit<StructuredReply, 'requests'> | null>;
}

export type OpenAiClientOptions = Pick<
  ChatModelClientOptions,
  'maxRetryAfterMs' | 'breakerThreshold' | 'breakerCooldownMs' | 'now'
>;

/**
 * A LangChain chat model, or a function making one per request for providers whose answer-token
 * cap is set on the model (`maxTokens` of ChatOpenAI, ChatAnthropic, ChatMistralAI…), so each
 * request is capped by what is left of the document's token budget.
 */
export type ChatModelSource = BaseChatModel | ((req: { maxOutputTokens: number }) => BaseChatModel);

const OPENAI_API_URL = 'https://api.openai.com/v1';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * An LlmClient over ChatOpenAI, for OpenAI and any server that speaks its chat completions API
 * (Azure OpenAI's /openai/v1, Ollama, vLLM, llama.cpp).
 */
export function createOpenAiClient(config: Readonly<LlmConfig>, opts: OpenAiClientOptions = {}): LlmClient {
  const answers = new WeakMap<BaseChatModel, () => Promise<Omit<StructuredReply, 'requests'> | null>>();
  const model = ({ maxOutputTokens }: { maxOutputTokens: number }) => {
    let answered: Promise<string> | null = null;
    const chat = new ChatOpenAI({
      model: config.model,
      apiKey: config.apiKey,
      configuration: {
        // Always given, or the SDK would read OPENAI_BASE_URL from the process behind the config's back.
        baseURL: config.baseURL ?? OPENAI_API_URL,
        // The answer's bytes are kept: see recoverAnswer.
        fetch: async (url: string | URL | Request, init?: RequestInit) => {
          const res = await fetch(url, init);
          if (res.ok) answered = res.clone().text();
          return res;
        },
      },
      temperature: 0,
      // ChatOpenAI sends it as max_completion_tokens to the reasoning models that refuse max_tokens.
      maxTokens: maxOutputTokens,
      timeout: config.timeoutMs,
      maxRetries: 0,
      // Ollama, vLLM and llama.cpp speak chat completions only.
      useResponsesApi: false,
      // The only place a chat completion's refusal survives the conversion to a LangChain message.
      __includeRawResponse: true,
    });
    answers.set(chat, async () => (answered ? completionReply(await answered) : null));
    return chat;
  };
  return createChatModelClient(model, {
    ...opts,
    model: config.model,
    concurrency: config.concurrency,
    maxRetries: config.maxRetries,
    method: config.output === 'tools' ? 'functionCalling' : 'jsonSchema',
    strict: true,
    // With a json_schema response format ChatOpenAI parses the answer with the schema inside the
    // call, so an answer that does not fit (malformed, cut off at the token cap) throws there.
    // The server did answer: its answer goes to the pipeline's lenient parse and repair round.
    recoverAnswer: (chat) => answers.get(chat)?.() ?? Promise.resolve(null),
  });
}

/** The reply in a chat completion's JSON, as the SDK would have given it. */
function completionReply(body: string): Omit<StructuredReply, 'requests'> | null {
  let c: {
    choices?: {
      message?: {
        content?: string | null;
        refusal?: string | null;
        tool_calls?: RawToolCall[];
      };
    }[];
    usage?: { prompt_tokens?: number; completion_tokens?: number };
  };
  try {
    c = JSON.parse(body);
  } catch {
    return null;
  }
  const message = c.choices?.[0]?.message;
  if (!message) return null;
  return {
    text: message.tool_calls?.[0]?.function?.arguments ?? message.content ?? null,
    refusal: message.refusal ?? null,
    usage: c.usage
      ? { inputTokens: c.usage.prompt_tokens ?? 0, outputTokens: c.usage.completion_tokens ?? 0 }
      : null,
  };
}

/**
 * An LlmClient over any LangChain chat model: the answer is asked for with
 * `withStructuredOutput` and the request's zod schema, and read from the raw message, so the
 * pipeline's own lenient parse and repair round apply whatever the provider. Retries are done
 * here rather than by LangChain or the SDK so each one is counted, Retry-After is honoured
 * within a cap, and the concurrency slot is given back while waiting.
 */
export function createChatModelClient(source: ChatModelSource, opts: ChatModelClientOptions): LlmClient {
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000;
  const slots = semaphore(opts.concurrency);
  const modelFor = typeof source === 'function' ? source : () => source;

  const once = async (req: StructuredRequest): Promise<Omit<StructuredReply, 'requests'>> => {
    const model = modelFor({ maxOutputTokens: req.maxOutputTokens });
    const structured = model.withStructuredOutput(
      // The description travels on the schema: that is where LangChain takes it from.
      req.schema.describe(req.description),
      {
        name: req.name,
        includeRaw: true,
        ...(opts.method ? { method: opts.method } : {}),
        ...(opts.strict ? { strict: true } : {}),
      },
    );
    try {
      const { raw } = (await structured.invoke(req.messages.map(toLangChain))) as { raw: BaseMessage };
      return readReply(raw);
    } catch (e) {
      const answer = await opts.recoverAnswer?.(model);
      if (answer) return answer;
      throw e;
    }
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
        retryAfter = retryAfterOf(e);
      } finally {
        release();
      }
      const retryable = failure.code !== 'rejected';
      if (!retryable || attempt >= opts.maxRetries) throw failure;
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
    model: opts.model,
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

function toLangChain(m: ChatMessage): BaseMessage {
  if (m.role === 'system') return new SystemMessage(m.content);
  if (m.role === 'assistant') return new AIMessage(m.content);
  return new HumanMessage(m.content);
}

type RawToolCall = { function?: { arguments?: string } };

/**
 * The answer as the model wrote it: a tool call's arguments, else the content. Taken from the
 * raw message, not from LangChain's parse, so a reply the strict schema rejects still reaches
 * the lenient parse and the repair round.
 */
function readReply(raw: BaseMessage): Omit<StructuredReply, 'requests'> {
  const ai = raw as AIMessage;
  const kwargs = (ai.additional_kwargs ?? {}) as {
    tool_calls?: RawToolCall[];
    refusal?: string | null;
    __raw_response?: { choices?: { message?: { refusal?: string | null } }[] };
  };
  const call = ai.tool_calls?.[0];
  const invalid = ai.invalid_tool_calls?.[0];
  const toolText =
    kwargs.tool_calls?.[0]?.function?.arguments ??
    (call ? JSON.stringify(call.args) : undefined) ??
    invalid?.args ??
    undefined;
  const content =
    typeof ai.content === 'string'
      ? ai.content
      : ai.content
          .map((b) =>
            typeof b === 'string' ? b : b.type === 'text' ? String((b as { text: string }).text) : '',
          )
          .join('');
  const usage = ai.usage_metadata;
  return {
    text: toolText ?? (content === '' ? null : content),
    refusal: kwargs.refusal ?? kwargs.__raw_response?.choices?.[0]?.message?.refusal ?? null,
    usage:
      usage && (usage.input_tokens !== undefined || usage.output_tokens !== undefined)
        ? { inputTokens: usage.input_tokens ?? 0, outputTokens: usage.output_tokens ?? 0 }
        : null,
  };
}

/**
 * What went wrong, by kind: OpenAI's SDK errors by class, and any other provider's by the HTTP
 * status and error names LangChain integrations share.
 */
function classify(e: unknown, requests: number): LlmError {
  const err = e as { name?: string; status?: unknown; response?: { status?: unknown }; message?: string };
  if (e instanceof OpenAI.APIConnectionTimeoutError || err?.name === 'TimeoutError') {
    return new LlmError('timeout', 'the LLM did not answer in time', requests, { cause: e });
  }
  if (e instanceof OpenAI.APIConnectionError) {
    return new LlmError('connection', `could not reach the LLM: ${e.message}`, requests, { cause: e });
  }
  const status =
    typeof err?.status === 'number'
      ? err.status
      : typeof err?.response?.status === 'number'
        ? err.response.status
        : null;
  if (status !== null) {
    if (status === 429)
      return new LlmError('rate-limited', 'the LLM server is rate limiting (429)', requests);
    // 408 and 409 are the server's own transient conditions, retried as OpenAI's SDK does.
    if (status >= 500 || status === 408 || status === 409) {
      return new LlmError('server-error', `the LLM server failed (${status})`, requests, { cause: e });
    }
    return new LlmError(
      'rejected',
      `the LLM server refused the request (${status}): ${firstLine(e)}`,
      requests,
      {
        cause: e,
      },
    );
  }
  if (isConnectionFailure(e)) {
    return new LlmError('connection', `could not reach the LLM: ${firstLine(e)}`, requests, { cause: e });
  }
  return new LlmError('rejected', `the LLM request failed: ${firstLine(e)}`, requests, { cause: e });
}

/** LangChain appends a troubleshooting link to some messages; a review reason wants the sentence. */
function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0]!;
}

/** fetch's "fetch failed" and Node's socket errors, as providers without an SDK of their own throw them. */
function isConnectionFailure(e: unknown): boolean {
  for (let c: unknown = e, depth = 0; c && depth < 4; c = (c as { cause?: unknown }).cause, depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string' && /^(ECONN|ENOTFOUND|EAI_AGAIN|EPIPE|UND_ERR_)/.test(code)) return true;
  }
  return false;
}

function retryAfterOf(e: unknown): number | null {
  const h =
    (e as { headers?: unknown })?.headers ?? (e as { response?: { headers?: unknown } })?.response?.headers;
  if (h instanceof Headers) return retryAfterMs(h);
  if (h && typeof h === 'object') return retryAfterMs(new Headers(h as Record<string, string>));
  return null;
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
