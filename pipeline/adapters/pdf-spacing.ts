/**
 * pdfjs's text content has no spaces of its own to go by in most PDFs: it writes one wherever
 * a glyph starts more than 0.102 em after the previous one ends. Some producers (Apache FOP
 * among them) lay text out with metrics that differ from the embedded font's widths and move
 * each glyph into place with a TJ adjustment; the same letter then always carries the same
 * adjustment ('r' +0.110 em, 'n' +0.056 em in one such font), and where one is larger than
 * pdfjs's bar it reads a space inside a word: "Taxiunter nehmen", "Gr undbesitz", "Ber lin".
 * Letter-spaced text (tracking) does the same to every glyph.
 *
 * The page's operator list still has every adjustment. What a glyph of a font is usually moved
 * by after it is its width correction, learnt from the page itself; a space is a gap that
 * exceeds that by pdfjs's own bar, not the bare gap. Each
 * run pdfjs would have read differently yields a rewrite, applied to the text content's strings
 * before they become words. A PDF whose adjustments are kerning and word spaces (TeX, most
 * office suites) has a usual adjustment of zero after most glyphs and is read as before.
 */

/** pdfjs's bar for a space inside a run (SPACE_IN_FLOW_MIN_FACTOR / TRACKING_SPACE_FACTOR). */
const SPACE_EM = 0.102;
/** A glyph seen fewer times than this says nothing about its width correction. */
const MIN_OCCURRENCES = 3;
/**
 * Width corrections and kerning are a fraction of this; a word space, even a justified line's
 * tight one, is more. A gap this wide is a space whatever the glyph, and is not learnt from: in
 * a PDF that sets word spaces as TJ adjustments (TeX) a word-final letter would otherwise learn
 * the space as its correction.
 */
const WORD_SPACE_EM = 0.2;
/**
 * Which of a glyph's gaps is its usual one. Above the median because a producer may correct a
 * letter in some of its pairs only (FOP moves an 'r' before 'n' and 'i', not before 'l').
 */
const USUAL_QUANTILE = 0.75;

/** A glyph of pdfjs's operator list, as much of it as is used here. */
export interface RunGlyph {
  unicode: string;
  isSpace?: boolean;
}

/** One showText operation: glyphs and TJ adjustments (thousandths of an em, negative = apart). */
export type GlyphRun = (RunGlyph | number | null)[];

/** A run and the font it is set in (the name of its last setFont). */
export interface FontRun {
  font: string;
  glyphs: GlyphRun;
}

export interface SpacingFix {
  /** The run as pdfjs's text content writes it, fake spaces included. */
  from: string;
  to: string;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

interface ParsedRun {
  font: string;
  chars: string[];
  /** After each glyph, the gap in em its TJ adjustments put there (0 for none). */
  gaps: number[];
  /** Whether that gap is known: the last glyph's is not, unless an adjustment follows it. */
  known: boolean[];
}

function parseRun({ font, glyphs }: FontRun): ParsedRun {
  const run: ParsedRun = { font, chars: [], gaps: [], known: [] };
  for (const item of glyphs) {
    if (item === null) continue;
    const last = run.gaps.length - 1;
    if (typeof item === 'number') {
      if (last >= 0) {
        run.gaps[last] = (run.gaps[last] as number) - item / 1000;
        run.known[last] = true;
      }
      continue;
    }
    if (last >= 0) run.known[last] = true;
    run.chars.push(item.isSpace ? ' ' : item.unicode);
    run.gaps.push(0);
    run.known.push(false);
  }
  return run;
}

/** The run's text with a space after glyph i wherever `isSpace(i)`. */
function withSpaces(chars: string[], isSpace: (i: number) => boolean): string {
  let out = chars[0] ?? '';
  for (let i = 1; i < chars.length; i++) {
    const c = chars[i] as string;
    if (isSpace(i - 1) && !out.endsWith(' ') && c !== ' ') out += ' ';
    out += c;
  }
  return out.normalize('NFKC');
}

const glyphKey = (font: string, c: string) => `${font}\u0000${c}`;

/** Every distinct rewrite a page's runs call for. */
export function spacingFixes(runs: FontRun[]): SpacingFix[] {
  return spacingOfPage(runs).fixes;
}

/**
 * A glyph moved by more than this after it, usually, is set by a producer that corrects widths
 * (FOP's 'n' +0.056 em) or letter-spaces; kerning moves a few pairs, not a glyph's usual gap.
 */
const MOVED_EM = 0.03;

/**
 * The page's rewrites, the fonts it shows to be plain (glyphs seen often enough, none of them
 * usually moved, no rewrite) and those it shows to be moved. A font plain on a few pages is set
 * by a producer that does not move glyphs, so later pages in it need no operator list
 * (PdfDocument.readTextLayer).
 */
export function spacingOfPage(runs: FontRun[]): {
  fixes: SpacingFix[];
  plainFonts: Set<string>;
  /** Fonts with a glyph usually moved, or a rewrite. A font in neither set showed too little. */
  movedFonts: Set<string>;
} {
  const parsed = runs.map(parseRun);
  const seen = new Map<string, number[]>();
  for (const { font, chars, gaps, known } of parsed) {
    chars.forEach((c, i) => {
      const gap = gaps[i] as number;
      if (c === ' ' || !known[i] || gap >= WORD_SPACE_EM) return;
      const key = glyphKey(font, c);
      seen.set(key, [...(seen.get(key) ?? []), gap]);
    });
  }
  const usual = new Map<string, number>();
  for (const [key, list] of seen) {
    if (list.length >= MIN_OCCURRENCES) usual.set(key, Math.max(0, quantile(list, USUAL_QUANTILE)));
  }

  const plainFonts = new Set<string>();
  const movedFonts = new Set<string>();
  for (const [key, gap] of usual) {
    const font = key.slice(0, key.indexOf('\u0000'));
    (gap > MOVED_EM ? movedFonts : plainFonts).add(font);
  }
  const byFrom = new Map<string, string>();
  for (const { font, chars, gaps } of parsed) {
    if (chars.length < 2) continue;
    const from = withSpaces(chars, (i) => (gaps[i] as number) >= SPACE_EM).trim();
    const to = withSpaces(chars, (i) => {
      const gap = gaps[i] as number;
      return gap >= WORD_SPACE_EM || gap - (usual.get(glyphKey(font, chars[i] as string)) ?? 0) >= SPACE_EM;
    }).trim();
    if (from !== to && from) {
      byFrom.set(from, to);
      movedFonts.add(font);
    }
  }
  for (const font of movedFonts) plainFonts.delete(font);
  // Longest first, so a run that contains a shorter one is rewritten whole.
  const fixes = [...byFrom].map(([from, to]) => ({ from, to })).sort((a, b) => b.from.length - a.from.length);
  return { fixes, plainFonts, movedFonts };
}

export function applySpacingFixes(text: string, fixes: SpacingFix[]): string {
  let out = text;
  for (const { from, to } of fixes) if (out.includes(from)) out = out.split(from).join(to);
  return out;
}
