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
 * by after it is its width correction, learnt from the page itself (the median over its
 * occurrences); a space is a gap that exceeds that by pdfjs's own bar, not the bare gap. Each
 * run pdfjs would have read differently yields a rewrite, applied to the text content's strings
 * before they become words. A PDF whose adjustments are kerning and word spaces (TeX, most
 * office suites) has a usual adjustment of zero after most glyphs and is read as before.
 */

/** pdfjs's bar for a space inside a run (SPACE_IN_FLOW_MIN_FACTOR / TRACKING_SPACE_FACTOR). */
const SPACE_EM = 0.102;
/** A glyph seen fewer times than this after-adjusted says nothing about its width correction. */
const MIN_OCCURRENCES = 3;

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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The run's glyphs and, after each, the gap in em its TJ adjustments put there (0 for none). */
function glyphsAndGaps(run: GlyphRun): { chars: string[]; gaps: number[] } {
  const chars: string[] = [];
  const gaps: number[] = [];
  for (const item of run) {
    if (item === null) continue;
    if (typeof item === 'number') {
      if (gaps.length > 0) gaps[gaps.length - 1] = (gaps[gaps.length - 1] as number) - item / 1000;
      continue;
    }
    chars.push(item.isSpace ? ' ' : item.unicode);
    gaps.push(0);
  }
  return { chars, gaps };
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

/** Every distinct rewrite a page's runs call for. */
export function spacingFixes(runs: FontRun[]): SpacingFix[] {
  const parsed = runs.map((r) => ({ font: r.font, ...glyphsAndGaps(r.glyphs) }));
  const seen = new Map<string, number[]>();
  for (const { font, chars, gaps } of parsed) {
    chars.forEach((c, i) => {
      if (c === ' ') return;
      const key = `${font}\u0000${c}`;
      const list = seen.get(key) ?? [];
      list.push(gaps[i] as number);
      seen.set(key, list);
    });
  }
  const usual = new Map<string, number>();
  for (const [key, list] of seen)
    if (list.length >= MIN_OCCURRENCES) usual.set(key, Math.max(0, median(list)));

  const byFrom = new Map<string, string>();
  for (const { font, chars, gaps } of parsed) {
    if (chars.length < 2) continue;
    const from = withSpaces(chars, (i) => (gaps[i] as number) >= SPACE_EM).trim();
    const to = withSpaces(
      chars,
      (i) => (gaps[i] as number) - (usual.get(`${font}\u0000${chars[i]}`) ?? 0) >= SPACE_EM,
    ).trim();
    if (from !== to && from) byFrom.set(from, to);
  }
  // Longest first, so a run that contains a shorter one is rewritten whole.
  return [...byFrom].map(([from, to]) => ({ from, to })).sort((a, b) => b.from.length - a.from.length);
}

export function applySpacingFixes(text: string, fixes: SpacingFix[]): string {
  let out = text;
  for (const { from, to } of fixes) if (out.includes(from)) out = out.split(from).join(to);
  return out;
}
