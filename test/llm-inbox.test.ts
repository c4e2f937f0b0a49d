import { copyFile, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { processCommand } from '../cli/process.command.ts';
import { createOpenAiClient } from '../pipeline/adapters/llm.ts';
import { createLocalDeps } from '../pipeline/deps.ts';
import { DEFAULT_INGEST_LIMITS } from '../pipeline/ingest.ts';
import { runBatch } from '../pipeline/run-batch.ts';
import type { PostedRecord, ReviewItem, RunSummary } from '../schemas/record.ts';
import { INBOX_DIR, inboxEntries } from './helpers/inbox.ts';
import {
  completion,
  promptLines,
  type ReceivedRequest,
  schemaName,
  startOpenAiServer,
} from './helpers/openai-server.ts';

// Counts clients built, to prove that without a key none is.
vi.mock('../pipeline/adapters/llm.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../pipeline/adapters/llm.ts')>();
  return { ...real, createOpenAiClient: vi.fn(real.createOpenAiClient) };
});

/** Values printed on no document of the inbox, in every field kind. */
const FAKE = {
  money: '987654.32',
  date: '1999-12-31',
  currency: 'CHF',
  text: 'Quasar Phantom Holdings Zeta',
};

const DIGITAL = inboxEntries().filter((e) => e.kind === 'digital');

/** The fields of a request's schema, each answered with a fake of its kind. */
function fakeFields(req: ReceivedRequest): Record<string, { value: string; lines: string[] }> {
  const schema = (req.body.response_format?.json_schema?.schema ??
    req.body.tools?.[0]?.function.parameters) as {
    properties: {
      fields: { properties: Record<string, { properties: { value: { description: string } } }> };
    };
  };
  const lines = promptLines(req).map((l) => l.id);
  const out: Record<string, { value: string; lines: string[] }> = {};
  for (const [name, f] of Object.entries(schema.properties.fields.properties)) {
    const d = f.properties.value.description;
    const value = /YYYY-MM-DD/.test(d)
      ? FAKE.date
      : /two places/.test(d)
        ? FAKE.money
        : /ISO 4217/.test(d)
          ? FAKE.currency
          : FAKE.text;
    // Cites real lines, as a confident model does.
    out[name] = { value, lines: lines.slice(0, 3) };
  }
  return out;
}

/**
 * A server that answers confidently with values found in no document for about half of the
 * documents (by the prompt's content, so the choice is the same on every run), and "not
 * printed" for the rest; it names every unknown document a claim form. Usage is reported from
 * the prompt's length, about 4 characters a token.
 */
const script = (req: ReceivedRequest) => {
  const chars = req.body.messages.reduce((n, m) => n + m.content.length, 0);
  const usage = { prompt_tokens: Math.ceil(chars / 4), completion_tokens: 120 };
  if (schemaName(req) === 'document_type')
    return completion(req, { docType: 'claim_form', lines: ['L1'] }, usage);
  const lies = /BEGIN-[0-7]/.test(req.body.messages[1]!.content);
  const fields = lies
    ? fakeFields(req)
    : Object.fromEntries(Object.keys(fakeFields(req)).map((k) => [k, { value: null, lines: [] }]));
  return completion(req, { fields }, usage);
};

async function inputFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'paperline-llm-in-'));
  for (const e of DIGITAL) await copyFile(join(INBOX_DIR, e.file_name), join(dir, e.file_name));
  return dir;
}

async function results(out: string) {
  const posted: PostedRecord[] = [];
  for (const d of ['finance', 'hr', 'claims']) {
    const text = await readFile(join(out, 'posted', `${d}.jsonl`), 'utf8');
    posted.push(
      ...text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    );
  }
  const reviews: ReviewItem[] = await Promise.all(
    (await readdir(join(out, 'review')))
      .sort()
      .map(async (f) => JSON.parse(await readFile(join(out, 'review', f), 'utf8'))),
  );
  const summary: RunSummary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
  return { posted, reviews, summary };
}

async function runCli(input: string, out: string): Promise<string> {
  let printed = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    printed += String(chunk);
    return true;
  });
  try {
    await processCommand([input], { out, concurrency: '3' });
  } finally {
    spy.mockRestore();
  }
  return printed;
}

describe('paperline process with an LLM that answers values found in no document', () => {
  let server: Awaited<ReturnType<typeof startOpenAiServer>>;
  let input: string;

  beforeAll(async () => {
    server = await startOpenAiServer(script);
    input = await inputFolder();
  });
  afterAll(() => server.close());
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.mocked(createOpenAiClient).mockClear();
    server.requests.length = 0;
  });

  it('asks the server about every digital document and posts none of its values', async () => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-test');
    vi.stubEnv('OPENAI_BASE_URL', server.baseURL);
    vi.stubEnv('PAPERLINE_LLM_PRICE_INPUT_PER_1K', '0.00015');
    vi.stubEnv('PAPERLINE_LLM_PRICE_OUTPUT_PER_1K', '0.0006');
    const out = await mkdtemp(join(tmpdir(), 'paperline-llm-out-'));
    const printed = await runCli(input, out);
    const { posted, reviews, summary } = await results(out);

    expect(vi.mocked(createOpenAiClient)).toHaveBeenCalledTimes(1);
    // One extraction per typed document, one classification (and then an extraction) for the unknown one.
    expect(server.requests.filter((r) => schemaName(r)?.endsWith('_fields'))).toHaveLength(DIGITAL.length);
    expect(server.requests.filter((r) => schemaName(r) === 'document_type')).toHaveLength(1);
    expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-test');

    const lied = reviews.filter((r) => r.reasons.some((x) => x.code === 'llm-ungrounded'));
    expect(lied.length).toBeGreaterThan(0);
    expect(posted.length).toBeGreaterThan(0);
    for (const record of posted) {
      const text = JSON.stringify(record.fields);
      for (const fake of Object.values(FAKE)) expect(text, record.sourceFile).not.toContain(fake);
      expect(record.llm?.requests).toBe(1);
    }
    // A reviewer sees the fakes only as ungrounded candidates, never as a field's value.
    for (const item of lied) {
      for (const f of Object.values(item.fields)) {
        expect(Object.values(FAKE)).not.toContain(f.value);
        for (const c of f.candidates ?? []) if (c.source === 'llm') expect(c.grounded).toBe(false);
      }
    }

    const llm = summary.llm!;
    expect(llm.requests).toBe(server.requests.length);
    expect(llm.documents).toBe(DIGITAL.length);
    expect(llm.perDocument.map((d) => d.sourceFile)).toEqual(DIGITAL.map((e) => e.file_name));
    expect(llm.inputTokens).toBe(llm.perDocument.reduce((n, d) => n + d.inputTokens, 0));
    expect(llm.outputTokens).toBe(120 * server.requests.length);
    expect(llm.cost).toBeCloseTo((llm.inputTokens / 1000) * 0.00015 + (llm.outputTokens / 1000) * 0.0006, 6);
    expect(llm.costPerDocument).toBeCloseTo(llm.cost / DIGITAL.length, 6);
    expect(printed).toMatch(/cost per document\s+\d/);
    console.log(
      `inbox with a lying LLM: ${posted.length} posted, ${reviews.length} review (${lied.length} with ungrounded values); ` +
        `${llm.requests} requests, ${llm.inputTokens} tokens in, ${llm.outputTokens} out, cost ${llm.cost} (${llm.costPerDocument} a document)`,
    );
  });

  it('without OPENAI_API_KEY never builds an LLM client and gives the same results as before', async () => {
    vi.stubEnv('OPENAI_API_KEY', '');
    vi.stubEnv('OPENAI_BASE_URL', server.baseURL);
    const out = await mkdtemp(join(tmpdir(), 'paperline-llm-off-'));
    await runCli(input, out);
    const withCli = await results(out);

    const before = await mkdtemp(join(tmpdir(), 'paperline-llm-before-'));
    const { deps, close } = await createLocalDeps({ limits: DEFAULT_INGEST_LIMITS });
    try {
      await runBatch([input], deps, { out: before, concurrency: 3, limits: DEFAULT_INGEST_LIMITS });
    } finally {
      await close();
    }
    const rulesOnly = await results(before);

    expect(vi.mocked(createOpenAiClient)).not.toHaveBeenCalled();
    expect(server.requests).toHaveLength(0);
    expect(withCli.summary.llm).toBeUndefined();
    const strip = <T extends { processedAt: string; sourceFile: string }>(xs: T[]) =>
      xs.map(({ processedAt: _, ...rest }) => rest).sort((a, b) => a.sourceFile.localeCompare(b.sourceFile));
    expect(strip(withCli.posted)).toEqual(strip(rulesOnly.posted));
    expect(strip(withCli.reviews)).toEqual(strip(rulesOnly.reviews));
    expect(JSON.stringify([...withCli.posted, ...withCli.reviews])).not.toMatch(/"llm/);
    expect(withCli.posted.length).toBeGreaterThan(0);
  });
});
