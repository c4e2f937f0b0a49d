import { median, unionBox } from '../pipeline/layout.ts';
import type { Box } from '../schemas/common.ts';
import type { ReadResult } from '../schemas/read.ts';
import { matchAt, normalise } from './parse/text.ts';

/** A word with the page it is on: the unit every finder works in. */
export interface PlacedWord {
  text: string;
  box: Box;
  confidence: number;
  page: number;
}

/**
 * A visual row: every word whose line sits at the same height, whatever the reader made of
 * it (OCR engines and transcripts often split "TOTAL ....... RM 33.92" into two lines).
 */
export interface Row {
  page: number;
  /** Position in `DocView.rows`, top of page 1 first. */
  index: number;
  /** Words left to right. */
  words: PlacedWord[];
  text: string;
  box: Box;
  /** Median word height in px: the unit gaps and distances are measured in. */
  height: number;
  /** Index of the first word of each segment; a segment is a run of words without a column gap. */
  segments: number[];
  /** Normalised tokens of the row with the word each came from, for label matching. */
  tokens: { norm: string; word: number }[];
}

export interface DocView {
  rows: Row[];
  /** Row texts joined by newlines: what keyword and pattern searches run on. */
  text: string;
}

/** A label found on a row: words `first`..`last` (inclusive) of `row`. */
export interface LabelHit {
  row: Row;
  first: number;
  last: number;
  /** The label as asked for. */
  label: string;
  /** Position of the label in the list asked for: lower is preferred. */
  rank: number;
  /** Edit distance of the match; 0 when exact. */
  distance: number;
  box: Box;
}

/** A gap wider than this many row heights separates columns... */
const COLUMN_GAP = 1.2;
/** ...and wider than this many characters: OCR boxes of lowercase words are short, spaces are not. */
const COLUMN_GAP_CHARS = 2.5;

/** How wide a gap between words must be to separate columns, measured on the words themselves. */
function columnGap(words: PlacedWord[]): number {
  const height = median(words.map((w) => w.box.y1 - w.box.y0)) || 1;
  const charWidth = median(
    words.filter((w) => w.text.length > 0).map((w) => (w.box.x1 - w.box.x0) / w.text.length),
  );
  return Math.max(COLUMN_GAP * height, COLUMN_GAP_CHARS * charWidth);
}

/**
 * "Date:25/12/2018" and "No:123" are one word to an OCR engine but a label and a value to
 * us; split them so the value has a box of its own.
 */
function splitGlued(w: PlacedWord): PlacedWord[] {
  const m = /^([\p{L}.#' ]*\p{L}[\p{L}.#']*:)(.+)$/u.exec(w.text);
  if (!m) return [w];
  const cut = w.box.x0 + ((w.box.x1 - w.box.x0) * m[1]!.length) / w.text.length;
  return [
    { ...w, text: m[1]!, box: { ...w.box, x1: cut } },
    { ...w, text: m[2]!, box: { ...w.box, x0: cut } },
  ];
}

/**
 * The English model has no "ß": German street names ("Lindenstraße", the commonest word of a
 * German address) come out as "LindenstralRe", "Lindenstral3e" or "Lindenstrale", with the
 * word's confidence low for that one glyph. Only this suffix is repaired: elsewhere a misread
 * ß cannot be told from a real word.
 */
const STRASSE_MISREAD = /^(\p{L}*[Ss]tra)(?:[lI1|][3BRs]?|[B8])e([,.]?)$/u;

function repairWord(w: PlacedWord): PlacedWord {
  const m = STRASSE_MISREAD.exec(w.text);
  if (!m) return w;
  return { ...w, text: `${m[1]}ße${m[2]}`, confidence: Math.max(w.confidence, 0.85) };
}

/**
 * OCR splits an amount at its decimal point ("39. 80", "15374 .64") when the point is faint
 * or the font is monospaced; the two halves are one word again when they sit closer than
 * two character heights.
 */
function joinSplitAmounts(words: PlacedWord[]): PlacedWord[] {
  const out: PlacedWord[] = [];
  for (const [i, w] of words.entries()) {
    const prev = out.at(-1);
    const h = prev ? Math.max(prev.box.y1 - prev.box.y0, w.box.y1 - w.box.y0) : 0;
    // A faint point is sometimes not read at all: "Total Sales RM 64 13" ends in the amount
    // 64.13. Only after a currency and at the end of the row, where the amount of a total is.
    if (
      prev &&
      i === words.length - 1 &&
      /^\d{1,6}$/.test(prev.text) &&
      /^\d{2}$/.test(w.text) &&
      /^(RM|RH|MYR|SGD|USD|\$)$/i.test(out.at(-2)?.text ?? '') &&
      w.box.x0 - prev.box.x1 < 1.5 * h
    ) {
      out[out.length - 1] = {
        ...prev,
        text: `${prev.text}.${w.text}`,
        box: unionBox([prev.box, w.box]),
        confidence: 0.9 * Math.min(prev.confidence, w.confidence),
      };
      continue;
    }
    if (
      prev &&
      w.box.x0 - prev.box.x1 < 2 * h &&
      // "4, 90 Harcourt Street" is a list; a point is a decimal point.
      ((/\d{2}\.$/.test(prev.text) && /^\d{2}(?!\d)/.test(w.text)) ||
        (/\d$/.test(prev.text) && /^[.,]\d{2}(?!\d)/.test(w.text)))
    ) {
      out[out.length - 1] = {
        ...prev,
        text: prev.text + w.text,
        box: unionBox([prev.box, w.box]),
        confidence: Math.min(prev.confidence, w.confidence),
      };
      continue;
    }
    out.push(w);
  }
  return out;
}

function makeRow(page: number, words: PlacedWord[]): Omit<Row, 'index'> {
  const sorted = joinSplitAmounts([...words].sort((a, b) => a.box.x0 - b.box.x0));
  const height = median(sorted.map((w) => w.box.y1 - w.box.y0)) || 1;
  const gap = columnGap(sorted);
  const segments = [0];
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.box.x0 - sorted[i - 1]!.box.x1 > gap) segments.push(i);
  }
  const tokens: Row['tokens'] = [];
  sorted.forEach((w, i) => {
    for (const t of normalise(w.text).split(' ')) if (t) tokens.push({ norm: t, word: i });
  });
  return {
    page,
    words: sorted,
    text: sorted.map((w) => w.text).join(' '),
    box: unionBox(sorted.map((w) => w.box)),
    height,
    segments,
    tokens,
  };
}

/** Groups a read result's lines into visual rows, pages in order, top to bottom. */
export function buildView(read: ReadResult): DocView {
  const rows: Row[] = [];
  for (const page of read.pages) {
    const lines = page.lines
      .filter((l) => l.words.length > 0)
      .map((l) => ({
        box: l.box,
        words: l.words.flatMap((w) => splitGlued(repairWord({ ...w, page: page.number }))),
      }))
      .sort((a, b) => a.box.y0 + a.box.y1 - (b.box.y0 + b.box.y1));
    const groups: { box: Box; words: PlacedWord[] }[] = [];
    for (const line of lines) {
      const h = line.box.y1 - line.box.y0;
      const target = groups.slice(-4).find((g) => {
        const overlap = Math.min(g.box.y1, line.box.y1) - Math.max(g.box.y0, line.box.y0);
        const sideBySide = g.words.every((w) => w.box.x1 <= line.box.x0 + 1 || w.box.x0 >= line.box.x1 - 1);
        return sideBySide && overlap >= 0.5 * Math.min(h, g.box.y1 - g.box.y0);
      });
      if (target) {
        target.words.push(...line.words);
        target.box = unionBox([target.box, line.box]);
      } else {
        groups.push({ box: line.box, words: [...line.words] });
      }
    }
    for (const g of groups) rows.push({ ...makeRow(page.number, g.words), index: 0 });
  }
  rows.forEach((r, i) => {
    r.index = i;
  });
  return { rows, text: rows.map((r) => r.text).join('\n') };
}

/** End index (exclusive) of the segment word `i` of `row` is in. */
export function segmentEnd(row: Row, i: number): number {
  return row.segments.find((s) => s > i) ?? row.words.length;
}

export interface LabelOptions {
  /** Phrases that contain a label but mean something else ("sub total" for "total"). Default none. */
  exclude?: string[];
}

function matchOnRow(row: Row, label: string, rank: number): LabelHit[] {
  const want = normalise(label).split(' ');
  const norms = row.tokens.map((t) => t.norm);
  const hits: LabelHit[] = [];
  for (let i = 0; i < norms.length; i++) {
    const m = matchAt(norms, i, want);
    if (!m) continue;
    const first = row.tokens[i]!.word;
    const last = row.tokens[i + m.k - 1]!.word;
    // A label never spans a column gap: "Date of Service | Date" holds no "service date".
    if (segmentEnd(row, first) <= last) continue;
    hits.push({
      row,
      first,
      last,
      label,
      rank,
      distance: m.d,
      box: unionBox(row.words.slice(first, last + 1).map((w) => w.box)),
    });
    i += m.k - 1;
  }
  return hits;
}

/**
 * Finds labels anywhere in the document, tolerating OCR noise (see `editAllowance`) and
 * dropped spaces. Hits come back in document order; `rank` says which label matched.
 */
export function findLabels(view: DocView, labels: string[], opts: LabelOptions = {}): LabelHit[] {
  const out: LabelHit[] = [];
  for (const row of view.rows) {
    const excluded = (opts.exclude ?? []).flatMap((e) => matchOnRow(row, e, -1));
    const taken: LabelHit[] = [];
    labels.forEach((label, rank) => {
      for (const hit of matchOnRow(row, label, rank)) {
        const overlaps = (o: LabelHit) => hit.first <= o.last && o.first <= hit.last;
        if (excluded.some(overlaps) || taken.some(overlaps)) continue;
        taken.push(hit);
      }
    });
    out.push(...taken.sort((a, b) => a.first - b.first));
  }
  return out;
}

const isPunct = (w: PlacedWord) => /^[\s:#.\-=|>]*$/.test(w.text);
const looksLikeLabel = (w: PlacedWord) => /\p{L}.*:$/u.test(w.text);

/**
 * The words right of a label on its row: the rest of the label's segment, or the next
 * segment when the label ends its own ("TOTAL ......... 33.92"). Stops where another
 * "Label:" begins. With `opts.wholeRow` (default false), everything to the right.
 */
export function wordsRight(hit: LabelHit, opts: { wholeRow?: boolean } = {}): PlacedWord[] {
  const { row } = hit;
  let i = hit.last + 1;
  while (i < row.words.length && isPunct(row.words[i]!)) i++;
  if (i >= row.words.length) return [];
  if (opts.wholeRow) return row.words.slice(i);
  const out: PlacedWord[] = [];
  for (let j = i; j < segmentEnd(row, i); j++) {
    if (out.length > 0 && looksLikeLabel(row.words[j]!)) break;
    out.push(row.words[j]!);
  }
  return out;
}

/**
 * The words under a label: the first row below (within a few row heights, same page) with
 * a segment that overlaps the label or starts where it starts; failing that, one that sits
 * in the label's cell, which runs to the next segment on the label's row. Forms print boxed
 * fields this way ("Wages, tips" over a right-aligned "52,000.00"). `opts.maxRows`: rows
 * below to look at; default 2.
 */
export function wordsBelow(hit: LabelHit, view: DocView, opts: { maxRows?: number } = {}): PlacedWord[] {
  const { row } = hit;
  const h = row.height;
  const next = row.segments.find((s) => s > hit.last);
  const cellX1 = next === undefined ? Number.POSITIVE_INFINITY : row.words[next]!.box.x0;
  let looked = 0;
  for (let r = row.index + 1; r < view.rows.length && looked < (opts.maxRows ?? 2); r++) {
    const below = view.rows[r]!;
    if (below.page !== row.page || below.box.y0 - row.box.y1 > 3 * h) break;
    if (below.box.y0 < row.box.y1 - 0.3 * h) continue;
    looked++;
    let inCell: PlacedWord[] | null = null;
    for (let s = 0; s < below.segments.length; s++) {
      const from = below.segments[s]!;
      const words = below.words.slice(from, below.segments[s + 1] ?? below.words.length);
      const box = unionBox(words.map((w) => w.box));
      const overlap = Math.min(box.x1, hit.box.x1) - Math.max(box.x0, hit.box.x0);
      if (overlap > 0 || Math.abs(box.x0 - hit.box.x0) < 2 * h) return words;
      const mid = (box.x0 + box.x1) / 2;
      if (!inCell && mid > hit.box.x0 - h && mid < cellX1) inCell = words;
    }
    if (inCell) return inCell;
  }
  return [];
}

/**
 * Words joined by spaces, with the character span of each, to map matches back to words.
 * Words a column gap apart get two spaces, so "1 | 361,99" in a quantity and a price column
 * never reads as the amount "1 361,99".
 */
export function joinWords(words: PlacedWord[]): { text: string; spans: [number, number][] } {
  const spans: [number, number][] = [];
  let text = '';
  let prev: PlacedWord | null = null;
  const wide = columnGap(words);
  for (const w of words) {
    if (prev) {
      const gap = w.box.x0 - prev.box.x1;
      text += gap > wide && w.page === prev.page ? '  ' : ' ';
    }
    prev = w;
    spans.push([text.length, text.length + w.text.length]);
    text += w.text;
  }
  return { text, spans };
}

/** The words a character range of `joinWords(words).text` touches. */
export function wordsIn(
  words: PlacedWord[],
  spans: [number, number][],
  start: number,
  end: number,
): PlacedWord[] {
  return words.filter((_, i) => spans[i]![0] < end && spans[i]![1] > start);
}
