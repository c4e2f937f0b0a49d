import { type DestinationStream, type Logger, pino, stdSerializers } from 'pino';
import { PERSONAL_FIELDS } from '../schemas/documents.ts';

export type { Logger };

/** What a log line shows in place of personal data. */
export const MASK = '[redacted]';

/**
 * Personal data as it shows inside free text (an error message, an OCR line, a reason): US
 * SSNs, IBANs, and account numbers (a long digit run, or digits printed in groups of four).
 * Dates, amounts, ids with dashes and hex hashes do not match.
 */
const PERSONAL_TEXT = [
  /\b\d{3}-\d{2}-\d{4}\b/g,
  /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g,
  /(?<![\w.-])\d{4}(?: \d{4}){2,}(?![\w.-])/g,
  /(?<![\w.-])\d{9,}(?![\w.-])/g,
];

const personalKeys: ReadonlySet<string> = new Set(PERSONAL_FIELDS);

export function maskPersonalText(s: string): string {
  let out = s;
  for (const re of PERSONAL_TEXT) out = out.replace(re, MASK);
  return out;
}

/**
 * A copy of a log line's object with personal fields masked by name at any depth and personal
 * text masked in every string. Only plain objects and arrays are walked: requests, sockets and
 * errors have serializers of their own.
 */
export function maskPersonalData(v: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof v === 'string') return maskPersonalText(v);
  if (v === null || typeof v !== 'object' || depth > 12) return v;
  if (seen.has(v)) return '[circular]';
  if (Array.isArray(v)) {
    seen.add(v);
    return v.map((x) => maskPersonalData(x, depth + 1, seen));
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v;
  seen.add(v);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    out[k] = personalKeys.has(k) ? MASK : maskPersonalData(x, depth + 1, seen);
  }
  return out;
}

/** The places records and review items put personal fields, for pino's own redaction. */
const REDACT_PATHS = PERSONAL_FIELDS.flatMap((f) => [f, `*.${f}`, `fields.${f}`, `*.fields.${f}`]);

/**
 * The service's logger: one JSON line per event, with personal data masked in every line:
 * pino `redact` for the known places, a formatter for any other depth, the error serializer
 * for messages and stacks, and a hook for the message text itself. `paperline serve`, the
 * workers and the API's request log all write through it.
 */
export function createLogger(opts: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: opts.level,
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: MASK },
      formatters: { log: (o) => maskPersonalData(o) as Record<string, unknown> },
      serializers: {
        err: (e: Error) => maskPersonalData({ ...stdSerializers.err(e) }),
        error: (e: unknown) => (e instanceof Error ? maskPersonalData({ ...stdSerializers.err(e) }) : e),
      },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === 'string' ? maskPersonalText(a) : a)) as Parameters<typeof method>,
          );
        },
      },
    },
    opts.destination ?? pino.destination(2),
  );
}

/** A logger that writes nothing: what library callers and tests get unless they pass one. */
export const silentLogger: Logger = pino({ level: 'silent' });
