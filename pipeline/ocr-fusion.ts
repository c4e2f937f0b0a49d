import { editDistance } from '../extractors/parse/text.ts';
import { isKnownWord } from '../extractors/parse/words.ts';
import type { Line, Word } from '../schemas/read.ts';
import type { LineMiddle, ReaderLine } from './adapters/line-ocr.ts';
import { unionBox } from './layout.ts';

/** The preprocessing step a page's `steps` record when its reading was fused. */
export const FUSED_STEP = 'fuse-line-reader';

/**
 * Two readings of one page made into one. Tesseract (`words`) segments well: its word boxes
 * and the spaces between words are right, its characters on thermal and dot-matrix print
 * often are not. The second recogniser (`chars`, PaddleOCR) reads characters far better but
 * runs words together on small print ("PAGOHRESTANDSERVICEAREA"). Each line of the second
 * reading is aligned character by character with the Tesseract words on the same spot; the
 * fused line takes the second reading's characters and Tesseract's word breaks.
 *
 * Confidence comes from agreement: a word both engines read alike is right far more often
 * than either engine's own score says, and one they disagree on is doubtful whichever wins.
 * Tesseract words no line of the second reading covers are kept when Tesseract was sure of
 * them; its unsure ones there are mostly specks and logos read as letters.
 */
export function fuseReads(words: Line[], chars: ReaderLine[]): Line[] {
  const all = words.flatMap((l) => l.words);
  // Each Tesseract word goes to the line of the second reading whose middle runs through it;
  // a slanted line's box also covers the ends of the lines above and below it.
  const owner = all.map((w) => {
    const cx = (w.box.x0 + w.box.x1) / 2;
    const cy = (w.box.y0 + w.box.y1) / 2;
    let best = -1;
    let bestDistance = Number.POSITIVE_INFINITY;
    chars.forEach((p, i) => {
      const mid = middleOf(p);
      if (cx < mid.x0 - 0.5 * mid.h || cx > mid.x1 + 0.5 * mid.h) return;
      const t = mid.x1 > mid.x0 ? (cx - mid.x0) / (mid.x1 - mid.x0) : 0.5;
      const distance = Math.abs(cy - (mid.y0 + t * (mid.y1 - mid.y0))) / mid.h;
      if (distance < 0.6 && w.box.y1 - w.box.y0 < 2.5 * mid.h && distance < bestDistance) {
        best = i;
        bestDistance = distance;
      }
    });
    return best;
  });
  const owned: Word[][] = chars.map(() => []);
  const orphans = new Set<Word>();
  all.forEach((w, k) => {
    const o = owner[k]!;
    if (o >= 0) owned[o]!.push(w);
    else orphans.add(w);
  });
  const out: Line[] = [];
  const outcomes: WordOutcome[] = [];
  chars.forEach((p, i) => {
    const line = fuseLine(
      p,
      owned[i]!.sort((a, b) => a.box.x0 - b.box.x0),
      outcomes,
    );
    if (line) out.push(line);
  });
  settleByAgreement(out, outcomes);
  for (const l of words) {
    const left = l.words.filter((w) => orphans.has(w) && w.confidence >= SURE_ALONE);
    if (left.length > 0 && left.some((w) => /[\p{L}\p{N}]/u.test(w.text))) out.push(lineOf(left));
  }
  return out.sort((a, b) => (a.box.y0 + a.box.y1) / 2 - (b.box.y0 + b.box.y1) / 2 || a.box.x0 - b.box.x0);
}

/** How one fused word came about: both engines read it alike, or which reading lost. */
export interface WordOutcome {
  word: Word;
  agreed: boolean;
  /** The other engine's reading of a disputed word; null when only the line reader saw it. */
  other: string | null;
}

/**
 * A disputed word is settled the way both engines read it elsewhere on the page: a shop prints
 * "SETIA" twice, the line reader reads one "GETIA"; a receipt prints "Amount" in two columns
 * and one is read "Anount". Only a reading of three letters or more, close to the one it
 * replaces, and only when the word as fused was not itself agreed on elsewhere. On SROIE
 * receipts this changed 44 words: 39 to the transcript's reading, none away from it.
 */
function settleByAgreement(lines: Line[], outcomes: WordOutcome[]): void {
  const agreed = new Set(outcomes.filter((o) => o.agreed).map((o) => core(o.word.text)));
  const touched = new Set<Word>();
  for (const o of outcomes) {
    if (o.agreed || o.other === null) continue;
    const mine = core(o.word.text);
    const other = core(o.other);
    if (agreed.has(mine) || !agreed.has(other) || !/\p{L}{3}/u.test(other)) continue;
    if (editDistance(mine, other, 2) > Math.max(1, Math.floor(other.length / 3))) continue;
    o.word.text = o.other;
    touched.add(o.word);
  }
  if (touched.size === 0) return;
  for (const line of lines) {
    if (line.words.some((w) => touched.has(w))) line.text = line.words.map((w) => w.text).join(' ');
  }
}

/** The middle of a line of the second reading: its own when the reader gave one, else its box's. */
function middleOf(p: ReaderLine): LineMiddle {
  if (p.middle) return p.middle;
  const y = (p.box.y0 + p.box.y1) / 2;
  return { x0: p.box.x0, y0: y, x1: p.box.x1, y1: y, h: p.box.y1 - p.box.y0 };
}

/** A Tesseract word that no line of the second reading covers is kept at this confidence or more. */
const SURE_ALONE = 0.7;
/** A gap between two Tesseract words narrower than this share of their height is no word break. */
const WORD_GAP = 0.2;
/** A Tesseract word this sure wins a dispute: on clean print it is the line reader that slips. */
const SURE_WORD = 0.93;
/** A word without the marks at its ends, upper-cased: "Co." and "CO" are one reading. */
const core = (w: string) => w.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '').toUpperCase();
/** A digit inside a word of letters, or letters inside a number: "Ja1an", "81lo0", "433OO". */
const mixedUp = (w: string) =>
  /\p{L}\d+\p{L}/u.test(w) ||
  /\d\p{L}+\d/u.test(w) ||
  // Letters shaped like digits ending a number: "433OO", "28II".
  /\d[OoIl]+(?!\p{L})/u.test(w) ||
  // "5.335.34": thousands and decimals marked alike.
  /\d([.,])\d{3}\1\d{1,2}(?!\d)/.test(w);
/** Characters that print alike as a letter and a digit. "S" and "5" are left out: receipts print both in codes. */
const LETTER_DIGIT = ['O0DQ', 'I1L', 'B8', 'Z2', 'G6'];
/**
 * Whether Tesseract's word explains the line reader's as letters and digits mistaken for each
 * other: the two differ only in such lookalikes, and Tesseract's is all of one kind, a word
 * ("N0" for "NO", "0ATE" for "DATE", "10T" for "LOT") or a plain number ("O.00", "B1750").
 * On SROIE receipts this picked the transcript's reading 32 times in 35 where the line reader
 * had won. Two-letter words only for O and 0: "C1" and "A1" are codes.
 */
function lookalikeSlip(piece: string, tText: string): boolean {
  const p = core(piece);
  const t = core(tText);
  if (p.length !== t.length || p === t || t.length < 2) return false;
  for (let i = 0; i < p.length; i++) {
    if (p[i] !== t[i] && !LETTER_DIGIT.some((g) => g.includes(p[i]!) && g.includes(t[i]!))) return false;
  }
  if (/^\p{Lu}+$/u.test(t) && /\d/.test(p)) {
    return (
      t.length >= 3 || [...p].every((c, i) => c === t[i] || ('O0DQ'.includes(c) && 'O0DQ'.includes(t[i]!)))
    );
  }
  return /^\d+(?:[.,]\d+)*$/.test(t) && /\p{Lu}/u.test(p);
}
/**
 * Whether the line reader dropped one letter of a word Tesseract read with some confidence
 * ("CASHER", "Tota", "Pemas"): its recogniser merges thin letters into their neighbours.
 * On SROIE receipts Tesseract's word was the transcript's 9 times in 12 such disputes.
 */
function droppedLetter(piece: string, tText: string, tc: number): boolean {
  const p = core(piece);
  const t = core(tText);
  // One longer by one and one edit apart: the same word with one letter more.
  return (
    tc >= DROPPED_LETTER_TRUST &&
    t.length === p.length + 1 &&
    /^\p{Lu}+$/u.test(t) &&
    editDistance(p, t, 1) === 1
  );
}
/**
 * Whether the line reader's word is Tesseract's with a stop or comma between two digits that
 * Tesseract missed ("51.42" for "5142"): a decimal point is a few pixels, and Tesseract drops
 * it even when sure of the digits. On SROIE receipts the line reader's was the transcript's
 * reading in all 65 such disputes where one of them was.
 */
function decimalMark(piece: string, tText: string): boolean {
  const p = core(piece);
  const t = core(tText);
  if (p.length !== t.length + 1) return false;
  for (let i = 1; i < p.length - 1; i++) {
    if (/[.,]/.test(p[i]!) && betweenDigits(p, i) && p.slice(0, i) + p.slice(i + 1) === t) return true;
  }
  return false;
}
/** Whether the character at `i` of `s` has a digit on either side: a decimal point's place. */
const betweenDigits = (s: string, i: number) => /\d/.test(s[i - 1] ?? '') && /\d/.test(s[i + 1] ?? '');
/**
 * Whether Tesseract's word is a known word one edit from the line reader's, which is not
 * ("Anount" for "Amount", "TRILLIUK" for "TRILLIUM", "Perindusirian"): Tesseract's recogniser
 * leans on a dictionary, the line reader's does not. On SROIE receipts, of 101 such disputes
 * the transcripts hold Tesseract's word and not the line reader's 94 times, the other way once.
 * Four letters at least: three-letter abbreviations are words one edit from English ones
 * ("JLN" and "JIN", "SDN" and "SON", "GST" and "GET").
 */
function knownWordSlip(piece: string, tText: string): boolean {
  const p = core(piece);
  const t = core(tText);
  if (t.length < 4 || p === t || !/^\p{L}+$/u.test(t) || editDistance(p, t, 1) > 1) return false;
  return isKnownWord(t) && !isKnownWord(p);
}
/**
 * The number the line reader ran into the word after it, where Tesseract read that word alone
 * and missed the number ("14JALAN" against "JALAN"): the number, to stand as a word of its own.
 * Four letters at least: a quantity keeps its unit ("3PC" on SROIE, where Tesseract read "pc").
 */
function gluedNumber(piece: string, src: Word[]): string | null {
  if (src.length !== 1) return null;
  const t = core(src[0]!.text);
  const m = /^(\d+)(\p{Lu}{4,})$/u.exec(core(piece));
  return m && m[2] === t && piece.startsWith(m[1]!) ? m[1]! : null;
}
/** Least Tesseract confidence for its longer word to win over a letter the line reader dropped. */
const DROPPED_LETTER_TRUST = 0.75;
/** A word the two engines read differently gets the second engine's confidence times this. */
const DISPUTED = 0.75;

type Op = { a: number | null; b: number | null };

/**
 * One line of the second reading with the Tesseract words on it: its characters, their word
 * breaks. Null when the line holds no letter or digit.
 */
export function fuseLine(p: Line, tWords: Word[], outcomes: WordOutcome[] = []): Line | null {
  const a = p.text;
  if (!/[\p{L}\p{N}]/u.test(a)) return null;
  if (tWords.length === 0) {
    // Only the second engine saw this line: its own word breaks, nothing to confirm it.
    return splitLine(p, DISPUTED);
  }
  const b = tWords.map((w) => w.text).join(' ');
  // Which Tesseract word each character of `b` belongs to (-1 for the spaces between), and
  // which of those spaces are real: Tesseract also splits one large word into pieces ("PAS
  // AR", "Wor Id") with next to no gap between them.
  const wordAt: number[] = [];
  const breaks = new Set<number>();
  tWords.forEach((w, i) => {
    if (i > 0) {
      const prev = tWords[i - 1]!;
      // The taller of the two: against the line's usual height, the narrow gap a receipt prints
      // after a comma ("Tampoi,81200") reads as a space as often as a real space does.
      const h = Math.max(w.box.y1 - w.box.y0, prev.box.y1 - prev.box.y0);
      if (w.box.x0 - prev.box.x1 >= WORD_GAP * h) breaks.add(wordAt.length);
      wordAt.push(-1);
    }
    for (let k = 0; k < w.text.length; k++) wordAt.push(i);
  });
  const ops = align(a, b);
  let text = '';
  const from: (number | null)[] = [];
  let current: number | null = null;
  for (const { a: ai, b: bi } of ops) {
    if (ai !== null) {
      const c = a[ai]!;
      if (bi !== null && wordAt[bi]! >= 0) current = wordAt[bi]!;
      if (c === ' ') {
        if (!text.endsWith(' ')) text += ' ';
        from.push(null);
        continue;
      }
      // On the shrunken page a comma's tail is a pixel or two: the line reader reads it as a
      // stop ("CHERAS. KUALA"), where Tesseract, at full size, still sees the comma. Not
      // between digits, where a stop is a decimal point either engine may blur.
      text += c === '.' && bi !== null && b[bi] === ',' && !betweenDigits(a, ai) ? ',' : c;
      from.push(current);
    } else if (bi !== null && breaks.has(bi) && text !== '' && !text.endsWith(' ')) {
      text += ' ';
      from.push(null);
    } else if (bi !== null && droppedMark(b, bi)) {
      // The line reader drops small punctuation at a word's end ("BALAKONG" for "BALAKONG,")
      // and commas inside one ("Tampoi81200" for "Tampoi,81200").
      if (text !== '' && !text.endsWith(' ') && !/[,.;:]$/.test(text)) {
        text += b[bi];
        from.push(wordAt[bi]!);
      }
    }
  }
  const fused: Word[] = [];
  // A word only the line reader vouches for: what Tesseract read there disagrees, or is missing.
  const readerAlone = Math.min(p.confidence, 0.95) * DISPUTED;
  let start = 0;
  const pieces = text.split(' ');
  for (const whole of pieces) {
    let piece = whole;
    const idx = from.slice(start, start + piece.length).filter((x): x is number => x !== null);
    start += piece.length + 1;
    if (!piece) continue;
    const prev = fused.at(-1);
    if (prev && /^[.,;:]+$/.test(piece)) {
      // A stop or comma standing alone ("Co ." where a speck sat) belongs to the word before;
      // an "&" is a word of its own.
      prev.text += piece;
      continue;
    }
    const src = [...new Set(idx)].map((i) => tWords[i]!);
    const number = gluedNumber(piece, src);
    if (number) {
      // Tesseract saw no word there, so nothing confirms the number: the line reader's alone.
      const word = { text: number, box: prev?.box ?? p.box, confidence: round(readerAlone) };
      fused.push(word);
      outcomes.push({ word, agreed: false, other: null });
      piece = piece.slice(number.length);
    }
    const agree = src.length > 0 && core(src.map((w) => w.text).join('')) === core(piece);
    const tc = src.length > 0 ? Math.min(...src.map((w) => w.confidence)) : 0;
    const tText = src.map((w) => w.text).join('');
    let text = piece;
    let confidence: number;
    if (agree) confidence = Math.min(0.99, 1 - (1 - p.confidence) * (1 - tc));
    else if (
      src.length > 0 &&
      ((mixedUp(piece) && !mixedUp(tText)) ||
        lookalikeSlip(piece, tText) ||
        droppedLetter(piece, tText, tc) ||
        knownWordSlip(piece, tText))
    ) {
      // "Ja1an", "81lo0", "N0", "CASHER", "Anount": the line reader's slip is plain to see; Tesseract's word explains it.
      text = tText;
      confidence = tc;
    } else if (src.length > 0 && tc >= SURE_WORD && !decimalMark(piece, tText)) {
      text = tText;
      confidence = tc * 0.9;
    } else confidence = readerAlone;
    const box = src.length > 0 ? unionBox(src.map((w) => w.box)) : (prev?.box ?? p.box);
    const word = { text, box, confidence: round(confidence) };
    fused.push(word);
    outcomes.push({
      word,
      agreed: agree,
      other: agree ? null : src.length > 0 ? (text === piece ? tText : piece) : null,
    });
  }
  if (fused.length === 0) return null;
  // In reading order as fused: a word only the line reader saw has no box of its own to sort by.
  return lineOf(fused, false);
}

/** A mark of Tesseract's `b` at `i` that the line reader may have dropped: not a decimal point. */
function droppedMark(b: string, i: number): boolean {
  if (!/[,.;:]/.test(b[i]!)) return false;
  if (i + 1 === b.length || b[i + 1] === ' ') return true;
  return b[i] === ',' && !betweenDigits(b, i);
}

/** A line of the second reading as it stands, words cut from its box by their length. */
function splitLine(p: Line, factor: number): Line | null {
  const text = p.text.replace(/\s+/g, ' ').trim();
  if (!text) return null;
  const cw = (p.box.x1 - p.box.x0) / text.length;
  const words = [...text.matchAll(/\S+/g)].map((m) => {
    const x0 = p.box.x0 + m.index * cw;
    return {
      text: m[0],
      box: { ...p.box, x0, x1: x0 + m[0].length * cw },
      confidence: round(p.confidence * factor),
    };
  });
  return lineOf(words);
}

function lineOf(words: Word[], sort = true): Line {
  const sorted = sort ? [...words].sort((x, y) => x.box.x0 - y.box.x0) : words;
  return {
    text: sorted.map((w) => w.text).join(' '),
    box: unionBox(sorted.map((w) => w.box)),
    confidence: round(sorted.reduce((s, w) => s + w.confidence, 0) / sorted.length),
    words: sorted,
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Characters OCR engines swap; aligning them costs little, so the alignment follows the text. */
const LOOKALIKE = ['O0QD', 'Il1|', 'S5', 'B8', 'Z2', 'G6', '.,'];
function subCost(x: string, y: string): number {
  if (x === y) return 0;
  const X = x.toUpperCase();
  const Y = y.toUpperCase();
  if (X === Y) return 0.1;
  if (x === ' ' || y === ' ') return 3;
  return LOOKALIKE.some((g) => g.includes(X) && g.includes(Y)) ? 0.5 : 1;
}

/**
 * Edit-distance alignment of `a` (the second reading) against `b` (Tesseract's words joined
 * by spaces). A space of `b` costs little to skip, since the second reading leaves most of
 * them out.
 */
function align(a: string, b: string): Op[] {
  const n = a.length;
  const m = b.length;
  const cost = new Float64Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => i * (m + 1) + j;
  const skipB = (j: number) => (b[j - 1] === ' ' ? 0.2 : 1);
  for (let i = 1; i <= n; i++) cost[at(i, 0)] = i;
  for (let j = 1; j <= m; j++) cost[at(0, j)] = cost[at(0, j - 1)]! + skipB(j);
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      cost[at(i, j)] = Math.min(
        cost[at(i - 1, j - 1)]! + subCost(a[i - 1]!, b[j - 1]!),
        cost[at(i - 1, j)]! + 1,
        cost[at(i, j - 1)]! + skipB(j),
      );
    }
  }
  const ops: Op[] = [];
  let i = n;
  let j = m;
  while (i > 0 || j > 0) {
    const here = cost[at(i, j)]!;
    if (i > 0 && j > 0 && Math.abs(here - (cost[at(i - 1, j - 1)]! + subCost(a[i - 1]!, b[j - 1]!))) < 1e-9) {
      ops.push({ a: --i, b: --j });
    } else if (j > 0 && Math.abs(here - (cost[at(i, j - 1)]! + skipB(j))) < 1e-9) {
      ops.push({ a: null, b: --j });
    } else {
      ops.push({ a: --i, b: null });
    }
  }
  return ops.reverse();
}
