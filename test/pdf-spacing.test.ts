import { describe, expect, it } from 'vitest';
import {
  applySpacingFixes,
  type FontRun,
  spacingFixes,
  spacingOfPage,
} from '../pipeline/adapters/pdf-spacing.ts';

/** A run as pdfjs's operator list gives it: "a[-110]b" puts 0.110 em after 'a'. */
function run(font: string, spec: string): FontRun {
  const glyphs: FontRun['glyphs'] = [];
  for (const m of spec.matchAll(/\[(-?\d+)\]|(.)/gu)) {
    if (m[1] !== undefined) glyphs.push(Number(m[1]));
    else glyphs.push({ unicode: m[2] as string, isSpace: m[2] === ' ' });
  }
  return { font, glyphs };
}

describe('spaces pdfjs reads into words that a producer moves glyph by glyph', () => {
  it("learns a font's per-letter width correction and rejoins the words it split", () => {
    // As Apache FOP writes it: every 'r' is followed by +0.110 em, every 'n' by +0.056 em, so
    // pdfjs (bar 0.102 em) reads a space after each 'r'.
    const runs = [
      run('f1', 'T[36]a[-56]xiu[-56]n[-56]t[-55]er[-110]n[-56]eh[-56]m[-55]en[-56]'),
      // FOP corrects some of a letter's pairs only: 'r' before 'l' is left as it is.
      run('f1', 'Ber[-110]lin[-56]'),
      run('f1', 'Kerl'),
      run('f1', 'Ber[-110]lin[-56]'),
      run('f1', 'Ar[-110]t[-55]'),
      run('f1', 'GmbH'),
    ];
    const fixes = spacingFixes(runs);
    expect(fixes).toContainEqual({ from: 'Taxiunter nehmen', to: 'Taxiunternehmen' });
    expect(fixes).toContainEqual({ from: 'Ber lin', to: 'Berlin' });
    expect(applySpacingFixes('Taxiunter nehmen TX GmbH, 10369 Ber lin', fixes)).toBe(
      'Taxiunternehmen TX GmbH, 10369 Berlin',
    );
  });

  it('keeps word spaces set as TJ adjustments, as TeX writes them', () => {
    const runs = [run('f1', 'Hello[-333]world[-333]and[27]more'), run('f1', 'Total[-333]due[-250]now')];
    expect(spacingFixes(runs)).toEqual([]);
    // A letter that mostly ends words ('y' here) is followed by a word space most times: that
    // is not learnt as its width correction, so its words stay apart.
    const words = [run('f1', 'any[-333]day[-333]by[-333]my[-333]way'), run('f1', 'yes[-150]sir')];
    expect(spacingFixes(words)).toEqual([]);
  });

  it('keeps a word space inside letter-spaced text, where the gap exceeds the tracking', () => {
    // Tracking of 0.06 em after every glyph, and 0.06 + 0.30 em between the two words.
    const tracked = 'I[-60]N[-60]V[-60]O[-60]I[-60]C[-60]E[-360]T[-60]O[-60]T[-60]A[-60]L[-60]';
    expect(applySpacingFixes('INVOICE TOTAL', spacingFixes([run('f2', tracked)]))).toBe('INVOICE TOTAL');
  });

  it("learns per font: one font's corrections do not move another's spaces", () => {
    const runs = [run('f1', 'r[-110]r[-110]r[-110]r[-110]'), run('f2', 'Fr[-150]anz')];
    // 'r' in f2 is seen once: nothing is learnt for it, pdfjs's reading stands.
    expect(spacingFixes(runs).map((f) => f.from)).not.toContain('Fr anz');
  });

  it('tells the fonts whose letters are moved from the plain ones, and says nothing of one seen too little', () => {
    const page = spacingOfPage([
      run('fop', 'T[36]a[-56]xiu[-56]n[-56]t[-55]er[-110]n[-56]eh[-56]m[-55]en[-56]'),
      run('fop', 'Ber[-110]lin[-56] Ber[-110]lin[-56]'),
      run('tex', 'Hello[-333]world[-333]and[27]more'),
      run('tex', 'Total[-333]due[-250]now'),
      run('tex', 'another[-333]line[-333]of[-333]text'),
      run('rare', 'Ab'),
    ]);
    expect([...page.movedFonts]).toEqual(['fop']);
    expect([...page.plainFonts]).toEqual(['tex']);
    // A word space of TeX is a space, and no rewrite is asked of the plain font.
    expect(page.fixes.every((f) => !f.from.includes('Hello'))).toBe(true);
  });
});
