import type { z } from 'zod';
import type { ChatMessage, LlmClient } from '../../pipeline/adapters/llm.ts';
import { LlmError } from '../../pipeline/adapters/llm.ts';
import {
  DOC_TYPES,
  type DocType,
  type ExtractedField,
  type ExtractedFields,
  type FieldCandidate,
} from '../../schemas/common.ts';
import type { LlmConfig, LlmUsage } from '../../schemas/llm.ts';
import type { ReadResult } from '../../schemas/read.ts';
import type { ReviewReason } from '../../schemas/record.ts';
import { analyse } from '../context.ts';
import {
  askedFields,
  canonicalise,
  dateOrderUndecided,
  groundingLines,
  lineEvidence,
  sameValue,
} from './grounding.ts';
import {
  classificationRequest,
  estimateTokens,
  extractionRequest,
  type NumberedLine,
  numberLines,
} from './prompt.ts';

/** Confidence of a grounded value only the LLM found, before the cited lines' OCR confidence. */
export const LLM_FIELD_TRUST = 0.8;
/** Class confidence of a type the LLM named (with cited lines) for a document the rules could not place. */
export const LLM_CLASS_CONFIDENCE = 0.7;
/** Answer tokens never asked for beyond this, whatever the budget leaves. */
const MAX_ANSWER_TOKENS = 4096;
/** A request is not started with fewer answer tokens than this left: the answer would be cut off. */
const MIN_ANSWER_TOKENS = 256;

export interface AssistedClassification {
  docType: DocType | 'unknown';
  confidence: number;
  reasons: ReviewReason[];
}

export interface AssistedExtraction {
  fields: ExtractedFields;
  reasons: ReviewReason[];
}

/** One document's conversation with the LLM: its budget, its usage. */
export interface LlmSession {
  classify(
    read: ReadResult,
    rules: { docType: 'unknown'; confidence: number },
  ): Promise<AssistedClassification>;
  extract(docType: DocType, read: ReadResult, rules: ExtractedFields): Promise<AssistedExtraction>;
  /** Tokens and cost so far; null while nothing was asked. */
  usage(): LlmUsage | null;
}

export interface LlmAssistant {
  readonly model: string;
  session(): LlmSession;
}

type Settings = Pick<LlmConfig, 'tokenBudget' | 'pricePer1k' | 'classify'>;

export function createLlmAssistant(client: LlmClient, settings: Settings): LlmAssistant {
  return { model: client.model, session: () => new Session(client, settings) };
}

type Asked<T> = { ok: true; value: T } | { ok: false; problem: string };

class Session implements LlmSession {
  #requests = 0;
  #input = 0;
  #output = 0;
  #asked = false;
  #classified = false;

  constructor(
    readonly client: LlmClient,
    readonly settings: Settings,
  ) {}

  usage(): LlmUsage | null {
    if (!this.#asked) return null;
    const p = this.settings.pricePer1k;
    const cost = (this.#input / 1000) * p.input + (this.#output / 1000) * p.output;
    return {
      model: this.client.model,
      requests: this.#requests,
      inputTokens: this.#input,
      outputTokens: this.#output,
      cost: Math.round(cost * 1e9) / 1e9,
      ...(this.#classified ? { classified: true } : {}),
    };
  }

  async classify(
    read: ReadResult,
    rules: { docType: 'unknown'; confidence: number },
  ): Promise<AssistedClassification> {
    const unchanged = { docType: 'unknown' as const, confidence: rules.confidence };
    if (!this.settings.classify) return { ...unchanged, reasons: [] };
    const lines = numberLines(read);
    if (lines.length === 0) return { ...unchanged, reasons: [] };
    const req = classificationRequest(lines);
    const answer = await this.#ask(req, req.parse);
    if (!answer.ok) return { ...unchanged, reasons: [failed(answer.problem)] };
    const { docType } = answer.value;
    const cited = resolve(lines, answer.value.lines).filter((l) => !l.suspicious);
    // A type with no readable line behind it is the model's guess, not the document's word.
    if (!(DOC_TYPES as readonly string[]).includes(docType) || cited.length === 0) {
      return { ...unchanged, reasons: [] };
    }
    this.#classified = true;
    return { docType: docType as DocType, confidence: LLM_CLASS_CONFIDENCE, reasons: [] };
  }

  async extract(docType: DocType, read: ReadResult, rules: ExtractedFields): Promise<AssistedExtraction> {
    const lines = numberLines(read);
    const asked = askedFields(docType);
    if (lines.length === 0 || asked.length === 0) return { fields: rules, reasons: [] };
    const req = extractionRequest(docType, asked, lines);
    const answer = await this.#ask(req, req.parse);
    if (!answer.ok) return { fields: rules, reasons: [failed(answer.problem)] };

    const doc = analyse(read);
    const fields: ExtractedFields = { ...rules };
    const reasons: ReviewReason[] = [];
    for (const f of asked) {
      const said = answer.value.fields[f.name];
      if (!said || said.value === null || said.value.trim() === '') continue;
      const rule = rules[f.name];
      const ruleValue = typeof rule?.value === 'string' && rule.value !== '' ? rule.value : null;
      const cited = resolve(lines, said.lines);
      const value = canonicalise(f.kind, said.value, doc);
      const injected = cited.some((l) => l.suspicious);
      const found = value !== null && !injected ? groundingLines(f.kind, value, cited, doc) : [];
      const grounded = found.length > 0;
      const llmConfidence = round(LLM_FIELD_TRUST * lineTrust(found));
      const llm: FieldCandidate = {
        source: 'llm',
        value: value ?? said.value,
        confidence: grounded ? llmConfidence : 0,
        evidence: lineEvidence(grounded ? found : cited),
        grounded,
      };

      if (!grounded) {
        // The same value the rules read is no news, wherever the model says it saw it.
        if (value !== null && ruleValue !== null && sameValue(f.kind, value, ruleValue)) continue;
        fields[f.name] = {
          ...(rule ?? { value: null, confidence: 0, evidence: [] }),
          candidates: [...(rule ? [ruleCandidate(rule)] : []), llm],
        };
        reasons.push({
          code: 'llm-ungrounded',
          fields: [f.name],
          message: ungroundedMessage(f.name, said.value, value, said.lines, cited, injected),
        });
        continue;
      }
      if (ruleValue === null) {
        // Flagged as the rules flag it, so validation sends the guess between orders to a person.
        const undecided = f.kind === 'date' && dateOrderUndecided(value!, found, doc);
        fields[f.name] = {
          value,
          confidence: llmConfidence,
          evidence: llm.evidence,
          flags: undecided ? ['llm', 'ambiguous-date-order'] : ['llm'],
        };
        continue;
      }
      if (sameValue(f.kind, value!, ruleValue)) {
        // Two readers that work differently agreeing is stronger than either alone.
        const confidence = round(Math.min(0.99, 1 - (1 - rule!.confidence) * (1 - llmConfidence)));
        fields[f.name] = {
          ...rule!,
          confidence: Math.max(rule!.confidence, confidence),
          flags: [...new Set([...(rule!.flags ?? []), 'llm-agrees'])],
        };
        continue;
      }
      fields[f.name] = {
        ...rule!,
        flags: [...new Set([...(rule!.flags ?? []), 'llm-disagrees'])],
        candidates: [ruleCandidate(rule!), llm],
      };
      reasons.push({
        code: 'llm-disagreement',
        fields: [f.name],
        message: `${f.name}: the rules read "${ruleValue}" (${quote(rule!.evidence[0]?.text)}) and the LLM read "${value}" (${quote(found[0]?.text)}); a person must choose.`,
      });
    }
    return { fields, reasons };
  }

  /**
   * One structured question within the document's token budget. An answer that does not
   * parse gets one repair round with the parse errors; after that, or on any failure, the
   * problem is returned for the review reason.
   */
  async #ask<T>(
    req: {
      name: string;
      description: string;
      messages: ChatMessage[];
      answer: z.ZodType;
      schema: Record<string, unknown>;
    },
    parse: z.ZodType<T>,
  ): Promise<Asked<T>> {
    let messages = req.messages;
    for (let round = 0; round < 2; round++) {
      const spent = this.#input + this.#output;
      const prompt = estimateTokens(messages.map((m) => m.content).join('\n') + JSON.stringify(req.schema));
      const left = this.settings.tokenBudget - spent - prompt;
      if (left < MIN_ANSWER_TOKENS) {
        return {
          ok: false,
          problem: `the document's LLM token budget (${this.settings.tokenBudget}) would be exceeded: about ${prompt} prompt tokens needed, ${Math.max(0, this.settings.tokenBudget - spent)} left`,
        };
      }
      this.#asked = true;
      let reply: Awaited<ReturnType<LlmClient['complete']>>;
      try {
        reply = await this.client.complete({
          messages,
          name: req.name,
          description: req.description,
          schema: req.answer,
          maxOutputTokens: Math.min(MAX_ANSWER_TOKENS, left),
        });
      } catch (e) {
        if (e instanceof LlmError) {
          this.#requests += e.requests;
          return { ok: false, problem: e.message };
        }
        throw e;
      }
      this.#requests += reply.requests;
      // A server that reports no usage is charged the estimate, so the budget still holds.
      this.#input += reply.usage?.inputTokens ?? prompt;
      this.#output += reply.usage?.outputTokens ?? estimateTokens(reply.text ?? '');
      if (reply.refusal) return { ok: false, problem: `the LLM refused: ${reply.refusal}` };
      const parsed = parseAnswer(reply.text, parse);
      if (parsed.ok) return parsed;
      if (round === 1)
        return { ok: false, problem: `the LLM's answer was malformed twice (${parsed.problem})` };
      messages = [
        ...messages,
        { role: 'assistant', content: (reply.text ?? '').slice(0, 4000) },
        {
          role: 'user',
          content: `That answer could not be used: ${parsed.problem}. Reply again with only the JSON object the schema asks for.`,
        },
      ];
    }
    return { ok: false, problem: 'unreachable' };
  }
}

function parseAnswer<T>(text: string | null, schema: z.ZodType<T>): Asked<T> {
  if (text === null || text.trim() === '') return { ok: false, problem: 'it was empty' };
  // Servers without strict decoding like to wrap JSON in a Markdown fence.
  const bare = text
    .trim()
    .replace(/^```(?:json)?\s*/i, '')
    .replace(/\s*```$/, '');
  let json: unknown;
  try {
    json = JSON.parse(bare);
  } catch (e) {
    return { ok: false, problem: `it is not JSON (${(e as Error).message})` };
  }
  const r = schema.safeParse(json);
  if (r.success) return { ok: true, value: r.data };
  const issues = r.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  return { ok: false, problem: `it does not match the schema (${issues})` };
}

function resolve(lines: NumberedLine[], ids: string[]): NumberedLine[] {
  const byId = new Map(lines.map((l) => [l.id, l]));
  const out: NumberedLine[] = [];
  for (const id of ids) {
    // Small models drop the prefix ("12") or the case ("l12").
    const bare = id.trim().toUpperCase();
    const l = byId.get(/^\d+$/.test(bare) ? `L${bare}` : bare);
    if (l && !out.includes(l)) out.push(l);
  }
  return out;
}

/** OCR lines count for what their words were read with; text-layer lines are 1. */
function lineTrust(lines: NumberedLine[]): number {
  if (lines.length === 0) return 0;
  return Math.min(...lines.map((l) => l.line.confidence));
}

function ruleCandidate(rule: ExtractedField): FieldCandidate {
  return {
    source: 'rules',
    value: rule.value,
    confidence: rule.confidence,
    evidence: rule.evidence,
    grounded: rule.evidence.some((e) => e.box !== null),
  };
}

function failed(problem: string): ReviewReason {
  return {
    code: 'llm-failed',
    fields: [],
    message: `The LLM check could not be made (${problem}); the fields are the rules' reading alone.`,
  };
}

function ungroundedMessage(
  name: string,
  said: string,
  value: string | null,
  ids: string[],
  cited: NumberedLine[],
  injected: boolean,
): string {
  const head = `${name}: the LLM proposed "${said}"`;
  if (value === null) return `${head}, which is not a valid value for the field; it was dropped.`;
  if (injected) {
    return `${head}, citing a line that reads as an instruction to the model (${quote(cited.find((l) => l.suspicious)?.line.text)}); it was dropped.`;
  }
  if (cited.length === 0) {
    return `${head} without citing any line of the document${ids.length > 0 ? ` (it cited ${ids.join(', ')}, which do not exist)` : ''}; it was dropped.`;
  }
  return `${head}, but it is not printed in the lines it cited (${cited.map((l) => l.id).join(', ')}); it was dropped.`;
}

const quote = (s: string | undefined) => (s === undefined ? 'no source line' : `"${s}"`);
const round = (n: number) => Math.round(n * 1000) / 1000;
