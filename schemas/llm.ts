import { z } from 'zod';

/** The model asked when PAPERLINE_LLM_MODEL is unset: cheap, and it supports strict structured output. */
export const DEFAULT_LLM_MODEL = 'gpt-4o-mini';
/**
 * List price (USD per 1k tokens, November 2026) of the default model on OpenAI's own API. Used
 * only when neither the model nor the server was changed: another server or model has another
 * price (a local Ollama costs nothing), so there the price is 0 until it is set.
 */
const DEFAULT_MODEL_PRICE = { input: 0.00015, output: 0.0006 } as const;

const int = (min: number) => z.coerce.number().int().min(min);
const nonNegative = z.coerce.number().min(0);
const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

/**
 * The environment variables that configure LLM-assisted extraction. Every one is optional;
 * without OPENAI_API_KEY the LLM is off and nothing else here is read.
 */
export const LlmEnvSchema = z.object({
  OPENAI_API_KEY: z.string().min(1).optional().describe('API key; setting it switches the LLM on'),
  OPENAI_BASE_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('an OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1 for Ollama; default OpenAI'),
  PAPERLINE_LLM_MODEL: z.string().min(1).optional().describe(`model name; default ${DEFAULT_LLM_MODEL}`),
  PAPERLINE_LLM_OUTPUT: z
    .enum(['json_schema', 'tools'])
    .default('json_schema')
    .describe('how structured output is asked for: response_format json_schema, or a forced tool call'),
  PAPERLINE_LLM_TIMEOUT_MS: int(1).default(60_000).describe('time allowed for one request, ms'),
  PAPERLINE_LLM_MAX_RETRIES: int(0)
    .max(10)
    .default(3)
    .describe('retries after a 429, a 5xx, a timeout or a dropped connection'),
  PAPERLINE_LLM_CONCURRENCY: int(1).default(4).describe('requests in flight at once, across the whole run'),
  PAPERLINE_LLM_TOKEN_BUDGET: int(500)
    .default(20_000)
    .describe('tokens (prompt + answer, all requests) one document may use'),
  PAPERLINE_LLM_PRICE_INPUT_PER_1K: nonNegative.optional().describe('price of 1k prompt tokens'),
  PAPERLINE_LLM_PRICE_OUTPUT_PER_1K: nonNegative.optional().describe('price of 1k answer tokens'),
  PAPERLINE_LLM_CLASSIFY: flag.default(true).describe('ask the LLM about documents the rules call unknown'),
});

export interface LlmConfig {
  apiKey: string;
  /** Null means OpenAI's own API. */
  baseURL: string | null;
  model: string;
  output: 'json_schema' | 'tools';
  timeoutMs: number;
  maxRetries: number;
  concurrency: number;
  tokenBudget: number;
  pricePer1k: { input: number; output: number };
  classify: boolean;
}

/**
 * The settings a chat model plugged in from code (pipeline/deps.ts `chatModel`) runs with when
 * no LLM is configured in the environment: the variables' defaults, no price.
 */
export function defaultLlmSettings(model: string): Readonly<Omit<LlmConfig, 'apiKey' | 'baseURL'>> {
  const d = LlmEnvSchema.parse({});
  return Object.freeze({
    model,
    output: d.PAPERLINE_LLM_OUTPUT,
    timeoutMs: d.PAPERLINE_LLM_TIMEOUT_MS,
    maxRetries: d.PAPERLINE_LLM_MAX_RETRIES,
    concurrency: d.PAPERLINE_LLM_CONCURRENCY,
    tokenBudget: d.PAPERLINE_LLM_TOKEN_BUDGET,
    pricePer1k: Object.freeze({ input: 0, output: 0 }),
    classify: d.PAPERLINE_LLM_CLASSIFY,
  });
}

export class LlmConfigError extends Error {
  override name = 'LlmConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid LLM configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

/**
 * The LLM configuration from the environment, frozen; null when OPENAI_API_KEY is unset or
 * empty, so a run without a key behaves exactly as before and ignores the other variables.
 * Throws LlmConfigError naming every bad variable at once.
 */
export function llmConfigFromEnv(env: Record<string, string | undefined>): Readonly<LlmConfig> | null {
  if (!env.OPENAI_API_KEY) return null;
  // An empty variable is how shells and .env files say "unset".
  const present = Object.fromEntries(
    Object.keys(LlmEnvSchema.shape)
      .filter((k) => env[k] !== undefined && env[k] !== '')
      .map((k) => [k, env[k]!.trim()]),
  );
  const parsed = LlmEnvSchema.safeParse(present);
  if (!parsed.success) {
    throw new LlmConfigError(
      parsed.error.issues.map((i) => {
        const key = String(i.path[0] ?? '(env)');
        return `${key}=${JSON.stringify(present[key] ?? '')}: ${i.message}`;
      }),
    );
  }
  const e = parsed.data;
  const stock = e.OPENAI_BASE_URL === undefined && e.PAPERLINE_LLM_MODEL === undefined;
  return Object.freeze({
    apiKey: e.OPENAI_API_KEY!,
    baseURL: e.OPENAI_BASE_URL ?? null,
    model: e.PAPERLINE_LLM_MODEL ?? DEFAULT_LLM_MODEL,
    output: e.PAPERLINE_LLM_OUTPUT,
    timeoutMs: e.PAPERLINE_LLM_TIMEOUT_MS,
    maxRetries: e.PAPERLINE_LLM_MAX_RETRIES,
    concurrency: e.PAPERLINE_LLM_CONCURRENCY,
    tokenBudget: e.PAPERLINE_LLM_TOKEN_BUDGET,
    pricePer1k: Object.freeze({
      input: e.PAPERLINE_LLM_PRICE_INPUT_PER_1K ?? (stock ? DEFAULT_MODEL_PRICE.input : 0),
      output: e.PAPERLINE_LLM_PRICE_OUTPUT_PER_1K ?? (stock ? DEFAULT_MODEL_PRICE.output : 0),
    }),
    classify: e.PAPERLINE_LLM_CLASSIFY,
  });
}

/** What the LLM cost for one document; on the record and the review item. */
export const LlmUsageSchema = z
  .object({
    model: z.string().describe('the model asked'),
    requests: z.number().int().min(0).describe('HTTP requests made, retries and repair included'),
    inputTokens: z.number().int().min(0).describe('prompt tokens, as the server reported them'),
    outputTokens: z.number().int().min(0).describe('answer tokens, as the server reported them'),
    cost: z
      .number()
      .min(0)
      .describe('inputTokens and outputTokens at the configured price per 1k (USD for OpenAI list prices)'),
    classified: z
      .literal(true)
      .optional()
      .describe('present when the document type came from the LLM because the rules said unknown'),
  })
  .describe('LLM requests, tokens and cost spent on this document');
export type LlmUsage = z.infer<typeof LlmUsageSchema>;
