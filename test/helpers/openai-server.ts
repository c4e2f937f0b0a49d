import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A chat completions request as the fake server received it. */
export interface ReceivedRequest {
  body: ChatBody;
  headers: IncomingHttpHeaders;
  /** 0-based, in arrival order. */
  index: number;
  receivedAt: number;
}

export interface ChatBody {
  model: string;
  messages: { role: string; content: string }[];
  response_format?: { type: string; json_schema?: { name: string; schema: Record<string, unknown> } };
  tools?: { type: string; function: { name: string; parameters: Record<string, unknown> } }[];
  tool_choice?: unknown;
  max_completion_tokens?: number;
  [k: string]: unknown;
}

export interface ScriptedReply {
  status?: number;
  headers?: Record<string, string>;
  /** Wait this long before answering. */
  delayMs?: number;
  /** The body; a string is sent as it is (malformed JSON included). */
  body: unknown;
}

export type Script = (req: ReceivedRequest) => ScriptedReply | Promise<ScriptedReply>;

/**
 * An OpenAI-compatible server on a free loopback port: POST /v1/chat/completions answered by
 * the test's script, everything else 404. Records what it was sent.
 */
export async function startOpenAiServer(script: Script): Promise<{
  baseURL: string;
  requests: ReceivedRequest[];
  /** Most requests it had open at once. */
  maxInFlight: () => number;
  close: () => Promise<void>;
}> {
  const requests: ReceivedRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'not found' } }));
      return;
    }
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const received: ReceivedRequest = {
      body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      headers: req.headers,
      index: requests.length,
      receivedAt: Date.now(),
    };
    requests.push(received);
    try {
      const reply = await script(received);
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
      if (res.destroyed) return;
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    } catch (e) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: (e as Error).message } }));
    } finally {
      inFlight -= 1;
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * A completion carrying `answer` the way the request asked for structured output: as the
 * message content for response_format, as the forced tool call's arguments for tools. A
 * string answer is sent verbatim (for malformed output).
 */
export function completion(
  req: ReceivedRequest,
  answer: unknown,
  usage = { prompt_tokens: 1200, completion_tokens: 150 },
): ScriptedReply {
  const text = typeof answer === 'string' ? answer : JSON.stringify(answer);
  const tool = req.body.tools?.[0]?.function.name;
  const message = tool
    ? {
        role: 'assistant',
        content: null,
        refusal: null,
        tool_calls: [
          { id: `call_${req.index}`, type: 'function', function: { name: tool, arguments: text } },
        ],
      }
    : { role: 'assistant', content: text, refusal: null };
  return {
    body: {
      id: `chatcmpl-${req.index}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: req.body.model,
      choices: [{ index: 0, message, finish_reason: tool ? 'tool_calls' : 'stop', logprobs: null }],
      usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
    },
  };
}

export interface PromptLine {
  id: string;
  page: number;
  text: string;
  flagged: boolean;
}

/** The numbered document lines of a request's prompt, as a model would read them. */
export function promptLines(req: ReceivedRequest): PromptLine[] {
  const user = req.body.messages.find((m) => m.role === 'user')?.content ?? '';
  const out: PromptLine[] = [];
  for (const m of user.matchAll(/^(L\d+) p(\d+) \[[\d,.-]+\]( \[flagged[^\]]*\])? (.*)$/gm)) {
    out.push({ id: m[1]!, page: Number(m[2]), text: m[4]!, flagged: Boolean(m[3]) });
  }
  return out;
}

/** The structured-output schema name a request asked for (response_format or the forced tool). */
export function schemaName(req: ReceivedRequest): string | undefined {
  return req.body.response_format?.json_schema?.name ?? req.body.tools?.[0]?.function.name;
}

/** The fields a request asks for, from its structured-output schema. */
export function askedFieldNames(req: ReceivedRequest): string[] {
  const schema = (req.body.response_format?.json_schema?.schema ??
    req.body.tools?.[0]?.function.parameters) as
    | { properties?: { fields?: { properties?: Record<string, unknown> } } }
    | undefined;
  return Object.keys(schema?.properties?.fields?.properties ?? {});
}
