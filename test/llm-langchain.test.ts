import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BaseChatModelCallOptions } from '@langchain/core/language_models/chat_models';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { ChatOpenAI } from '@langchain/openai';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ChatModelOption, createDecideDeps } from '../pipeline/deps.ts';
import { decideDocument } from '../pipeline/process-document.ts';
import type { ReadResult } from '../schemas/read.ts';
import type { PostedRecord, ReviewItem } from '../schemas/record.ts';
import { INBOX_DIR, type InboxEntry, inboxEntries } from './helpers/inbox.ts';
import { completion, type ReceivedRequest, startOpenAiServer } from './helpers/openai-server.ts';
import { readPdfText } from './helpers/pdf-text.ts';

/**
 * The LLM hook takes any LangChain chat model. Two kinds are plugged in here: a provider
 * written the way LangChain integrations are (BaseChatModel with bindTools, tool calls and
 * usage metadata on the message), and a ChatOpenAI built by the caller against a local
 * OpenAI-compatible server. Grounding, retries and token accounting hold for both.
 */

type Entry = InboxEntry & { printed: Record<string, string> };
type Answer = Record<string, { value: string | null; lines: string[] }>;

let invoice: { entry: Entry; read: ReadResult };
const servers: { close: () => Promise<void> }[] = [];

beforeAll(async () => {
  const entry = inboxEntries().find((e) => e.file_name === 'doc-001.pdf') as Entry;
  invoice = {
    entry,
    read: await readPdfText(new Uint8Array(readFileSync(join(INBOX_DIR, entry.file_name)))),
  };
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** The numbered lines of the prompt and the fields the schema asks for, as a model sees them. */
function promptOf(messages: { content: string }[], parameters: unknown) {
  const user = messages.map((m) => m.content).join('\n');
  const lines = [...user.matchAll(/^(L\d+) p\d+ \[[\d,.-]+\](?: \[flagged[^\]]*\])? (.*)$/gm)].map((m) => ({
    id: m[1]!,
    text: m[2]!,
  }));
  const fields = Object.keys(
    (parameters as { properties?: { fields?: { properties?: object } } }).properties?.fields?.properties ??
      {},
  );
  return { lines, fields };
}

/** The sample invoice's printed values, each citing the line it is on. */
function truthful(prompt: ReturnType<typeof promptOf>): Answer {
  const out: Answer = {};
  for (const name of prompt.fields) {
    const value = invoice.entry.fields[name];
    const printed = invoice.entry.printed[name] ?? value;
    const line = typeof printed === 'string' ? prompt.lines.find((l) => l.text.includes(printed)) : undefined;
    out[name] = typeof value === 'string' && line ? { value, lines: [line.id] } : { value: null, lines: [] };
  }
  return out;
}

type Tool = { function: { name: string; parameters: unknown } };
interface ScriptedOptions extends BaseChatModelCallOptions {
  tools?: Tool[];
}

/**
 * A chat model provider in the shape LangChain integrations have: bindTools, tool calls with
 * parsed args on the AIMessage, usage in usage_metadata, HTTP-ish errors with a status.
 */
class ScriptedChatModel extends BaseChatModel<ScriptedOptions> {
  calls = 0;
  constructor(
    private readonly script: (call: number, prompt: ReturnType<typeof promptOf>) => Answer | Error,
  ) {
    super({});
  }
  _llmType() {
    return 'scripted';
  }
  override bindTools(tools: Tool[]) {
    return this.withConfig({ tools } as Partial<ScriptedOptions>) as never;
  }
  async _generate(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
    const tool = options.tools?.[0];
    if (!tool) throw new Error('no tool bound');
    const prompt = promptOf(
      messages.map((m) => ({ content: String(m.content) })),
      tool.function.parameters,
    );
    const answer = this.script(++this.calls, prompt);
    if (answer instanceof Error) throw answer;
    const message = new AIMessage({
      content: '',
      tool_calls: [
        { name: tool.function.name, args: { fields: answer }, id: `call_${this.calls}`, type: 'tool_call' },
      ],
      usage_metadata: { input_tokens: 1000, output_tokens: 200, total_tokens: 1200 },
    });
    return { generations: [{ text: '', message }] };
  }
}

async function decide(chatModel: ChatModelOption, rulesMiss: string[] = []) {
  const deps = await createDecideDeps({ chatModel });
  const extract = deps.extract;
  return decideDocument({ fileName: 'doc-001.pdf', sha256: 'ab'.repeat(32) }, invoice.read, {
    ...deps,
    extract: async (t, r) => {
      const f = await extract(t, r);
      for (const name of rulesMiss) delete f[name];
      return f;
    },
  });
}

const posted = (o: Awaited<ReturnType<typeof decide>>): PostedRecord => {
  expect(o.kind, JSON.stringify(o.kind === 'review' ? o.item.reasons : [])).toBe('posted');
  return (o as { record: PostedRecord }).record;
};

describe('any LangChain chat model as the LLM', () => {
  it('a provider of its own fills a missed field from a cited line, and its usage is counted', async () => {
    const model = new ScriptedChatModel((_, prompt) => truthful(prompt));
    const record = posted(await decide({ model, name: 'scripted-1' }, ['dueDate']));
    expect(model.calls).toBe(1);
    expect(record.fields.dueDate?.value).toBe('2023-11-18');
    expect(record.fields.dueDate?.flags).toEqual(['llm']);
    expect(record.fields.dueDate?.evidence[0]?.text).toContain('18 November 2023');
    // No price is known for a plugged-in model until it is configured.
    expect(record.llm).toEqual({
      model: 'scripted-1',
      requests: 1,
      inputTokens: 1000,
      outputTokens: 200,
      cost: 0,
    });
  });

  it('grounding holds: a value on no cited line is not posted', async () => {
    const model = new ScriptedChatModel((_, prompt) => ({
      ...truthful(prompt),
      dueDate: { value: '2023-12-24', lines: ['L1'] },
    }));
    const outcome = await decide({ model, name: 'scripted-1' }, ['dueDate']);
    expect(outcome.kind).toBe('review');
    const item = (outcome as { item: ReviewItem }).item;
    expect(item.reasons.map((r) => r.code)).toContain('llm-ungrounded');
    expect(item.fields.dueDate?.value ?? null).toBeNull();
  });

  it("a provider's 503 is retried and each try counted; its 400 is not retried", async () => {
    const flaky = new ScriptedChatModel((call, prompt) =>
      call <= 2 ? Object.assign(new Error('overloaded'), { status: 503 }) : truthful(prompt),
    );
    expect(posted(await decide({ model: flaky, name: 'scripted-1' })).llm?.requests).toBe(3);
    const refusing = new ScriptedChatModel(() => Object.assign(new Error('bad request'), { status: 400 }));
    const outcome = await decide({ model: refusing, name: 'scripted-1' });
    expect(refusing.calls).toBe(1);
    expect(JSON.stringify(outcome)).toMatch(/refused the request \(400\)/);
  }, 30_000);

  it('a ChatOpenAI the caller built is used as it is, over the OpenAI API', async () => {
    const server = await startOpenAiServer((req: ReceivedRequest) => {
      const prompt = promptOf(req.body.messages, req.body.tools?.[0]?.function.parameters);
      return completion(req, { fields: truthful(prompt) }, { prompt_tokens: 700, completion_tokens: 70 });
    });
    servers.push(server);
    const model = new ChatOpenAI({
      model: 'local-model',
      apiKey: 'none',
      configuration: { baseURL: server.baseURL },
      maxRetries: 0,
    });
    const record = posted(
      await decide({ model, name: 'local-model', method: 'functionCalling' }, ['dueDate']),
    );
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.body.tool_choice).toEqual({
      type: 'function',
      function: { name: 'invoice_fields' },
    });
    expect(record.fields.dueDate?.value).toBe('2023-11-18');
    expect(record.llm).toMatchObject({
      model: 'local-model',
      requests: 1,
      inputTokens: 700,
      outputTokens: 70,
    });
  });
});
