import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../pipeline/adapters/llm.ts';
import { DEFAULT_LLM_MODEL, LlmConfigError, llmConfigFromEnv } from '../schemas/llm.ts';

describe('LLM configuration from the environment', () => {
  it('is off without a key, whatever else is set', () => {
    expect(llmConfigFromEnv({})).toBeNull();
    expect(llmConfigFromEnv({ OPENAI_API_KEY: '', PAPERLINE_LLM_TIMEOUT_MS: 'soon' })).toBeNull();
  });

  it('defaults to OpenAI and the default model at its list price, frozen', () => {
    const c = llmConfigFromEnv({ OPENAI_API_KEY: 'sk-1' })!;
    expect(c).toEqual({
      apiKey: 'sk-1',
      baseURL: null,
      model: DEFAULT_LLM_MODEL,
      output: 'json_schema',
      timeoutMs: 60_000,
      maxRetries: 3,
      concurrency: 4,
      tokenBudget: 20_000,
      pricePer1k: { input: 0.00015, output: 0.0006 },
      classify: true,
    });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.pricePer1k)).toBe(true);
  });

  it('prices another server or model at 0 until told, and reads every tunable', () => {
    const c = llmConfigFromEnv({
      OPENAI_API_KEY: 'ollama',
      OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1',
      PAPERLINE_LLM_MODEL: 'qwen2.5:7b',
      PAPERLINE_LLM_OUTPUT: 'tools',
      PAPERLINE_LLM_TIMEOUT_MS: '120000',
      PAPERLINE_LLM_MAX_RETRIES: '0',
      PAPERLINE_LLM_CONCURRENCY: '1',
      PAPERLINE_LLM_TOKEN_BUDGET: '8000',
      PAPERLINE_LLM_PRICE_OUTPUT_PER_1K: '0.002',
      PAPERLINE_LLM_CLASSIFY: 'off',
    })!;
    expect(c).toMatchObject({
      baseURL: 'http://127.0.0.1:11434/v1',
      model: 'qwen2.5:7b',
      output: 'tools',
      timeoutMs: 120_000,
      maxRetries: 0,
      concurrency: 1,
      tokenBudget: 8000,
      pricePer1k: { input: 0, output: 0.002 },
      classify: false,
    });
  });

  it('reports every bad variable at once', () => {
    let error: unknown;
    try {
      llmConfigFromEnv({
        OPENAI_API_KEY: 'sk-1',
        OPENAI_BASE_URL: 'localhost:8080',
        PAPERLINE_LLM_OUTPUT: 'xml',
        PAPERLINE_LLM_TIMEOUT_MS: 'soon',
        PAPERLINE_LLM_CONCURRENCY: '0',
        PAPERLINE_LLM_PRICE_INPUT_PER_1K: '-1',
        PAPERLINE_LLM_CLASSIFY: 'maybe',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LlmConfigError);
    const problems = (error as LlmConfigError).problems.map((p) => p.split('=')[0]);
    expect(problems.sort()).toEqual([
      'OPENAI_BASE_URL',
      'PAPERLINE_LLM_CLASSIFY',
      'PAPERLINE_LLM_CONCURRENCY',
      'PAPERLINE_LLM_OUTPUT',
      'PAPERLINE_LLM_PRICE_INPUT_PER_1K',
      'PAPERLINE_LLM_TIMEOUT_MS',
    ]);
    expect((error as Error).message).toContain('PAPERLINE_LLM_TIMEOUT_MS="soon"');
  });
});

describe('Retry-After', () => {
  it('reads seconds, HTTP dates and retry-after-ms', () => {
    const now = Date.parse('2026-11-23T12:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Mon, 23 Nov 2026 12:00:05 GMT' }), now)).toBe(5000);
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(250);
    expect(retryAfterMs(new Headers({ 'retry-after': 'later' }), now)).toBeNull();
    expect(retryAfterMs(new Headers(), now)).toBeNull();
  });
});
