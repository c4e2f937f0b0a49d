import { describe, expect, it } from 'vitest';
import { fuseLine, fuseReads } from '../pipeline/ocr-fusion.ts';
import type { Line, Word } from '../schemas/read.ts';

const word = (text: string, x0: number, confidence = 0.8, y0 = 100): Word => ({
  text,
  box: { x0, y0, x1: x0 + text.length * 10, y1: y0 + 20 },
  confidence,
});
const tLine = (words: Word[]): Line => ({
  text: words.map((w) => w.text).join(' '),
  box: {
    x0: words[0]!.box.x0,
    y0: words[0]!.box.y0,
    x1: words.at(-1)!.box.x1,
    y1: words[0]!.box.y1,
  },
  confidence: 0.8,
  words,
});
const pLine = (text: string, x0: number, x1: number, confidence = 0.95, y0 = 100): Line => ({
  text,
  box: { x0, y0, x1, y1: y0 + 20 },
  confidence,
  words: [],
});

describe('fusing Tesseract words with a line reader', () => {
  it("takes the line reader's characters and Tesseract's word breaks", () => {
    const t = [word('PAG0H', 0), word('REST', 60), word('AND', 110), word('SERV1CE', 150), word('AREA', 230)];
    const fused = fuseLine(pLine('PAGOHRESTANDSERVICEAREA', 0, 270), t)!;
    expect(fused.text).toBe('PAGOH REST AND SERVICE AREA');
    // Words each engine read alike are surer than either engine alone; disputed ones less sure.
    const conf = Object.fromEntries(fused.words.map((w) => [w.text, w.confidence]));
    expect(conf.REST).toBeGreaterThan(0.95);
    expect(conf.SERVICE).toBeLessThan(0.8);
    expect(fused.words.find((w) => w.text === 'REST')!.box).toEqual(t[1]!.box);
  });

  it('keeps the punctuation the line reader dropped at a word end, and its own spaces', () => {
    const t = [word('KAWASAN', 0), word('PERINDUSTRIAN', 80), word('BALAKONG,', 220)];
    expect(fuseLine(pLine('KAWASAN PERINDUSTRIAN BALAKONG', 0, 310), t)!.text).toBe(
      'KAWASAN PERINDUSTRIAN BALAKONG,',
    );
    const digits = [word('TOTAL', 0), word('6O.3O', 200)];
    expect(fuseLine(pLine('TOTAL 60.30', 0, 250), digits)!.text).toBe('TOTAL 60.30');
  });

  it("takes Tesseract's comma where the line reader saw a stop, but not inside a number", () => {
    const t = [word('CHERAS,', 0), word('KUALA', 80), word('RM60,30', 140)];
    expect(fuseLine(pLine('CHERAS. KUALA RM60.30', 0, 210), t)!.text).toBe('CHERAS, KUALA RM60.30');
    const glued = [word('7/4,KAWASAN', 0)];
    expect(fuseLine(pLine('7/4.KAWASAN', 0, 110), glued)!.text).toBe('7/4,KAWASAN');
  });

  it('takes no word break from a word Tesseract split with next to no gap', () => {
    const t = [word('PAS', 0), { ...word('AR', 31), confidence: 0.6 }, word('MINI', 70)];
    expect(fuseLine(pLine('PASAR MINI', 0, 110), t)!.text).toBe('PASAR MINI');
  });

  it('keeps a comma the line reader dropped inside a word, but adds none inside a number', () => {
    const t = [word('Tampoi,81200', 0), word('RM1,234', 140)];
    expect(fuseLine(pLine('Tampoi81200 RM1234', 0, 210), t)!.text).toBe('Tampoi,81200 RM1234');
  });

  it('keeps a sure Tesseract word, or one that explains a visible slip of the line reader', () => {
    // Clean print: Tesseract reads "Jalan" and "81100" at 0.95; the line reader slips.
    const clean = [word('Jalan', 0, 0.95), word('81100', 70, 0.95), word('RM5,335.34', 140, 0.8)];
    const fused = fuseLine(pLine('Ja1an 81lo0 RM5.335.34', 0, 240), clean)!;
    expect(fused.text).toBe('Jalan 81100 RM5,335.34');
    const postcode = [word('43300', 0, 0.85), word('SERI', 70, 0.85)];
    expect(fuseLine(pLine('433OO SERI', 0, 110), postcode)!.text).toBe('43300 SERI');
    // A thermal receipt: Tesseract unsure, the line reader wins.
    // Its decimal point is a few pixels that Tesseract drops even when sure of the digits.
    expect(fuseLine(pLine('51.42', 0, 50), [word('5142', 0, 0.96)])!.text).toBe('51.42');
    const thermal = [word('T0TAL', 0, 0.6), word('6O.3I', 70, 0.5)];
    expect(fuseLine(pLine('TOTAL 60.31', 0, 120), thermal)!.text).toBe('TOTAL 60.31');
  });

  it('takes a word of one kind over letters and digits the line reader mistook, and a letter it dropped', () => {
    const t = [word('NO:', 0, 0.6), word('LOT', 40, 0.7), word('0.00', 80, 0.6), word('CASHIER', 130, 0.8)];
    expect(fuseLine(pLine('N0: 10T O.00 CASHER', 0, 200), t)!.text).toBe('NO: LOT 0.00 CASHIER');
    // Codes mix both on purpose, and receipts print "S" and "5" alike in them; an unsure
    // Tesseract word does not outvote a dropped letter.
    const codes = [word('Cl', 0, 0.9), word('56', 40, 0.9), word('TOTALS', 80, 0.5)];
    expect(fuseLine(pLine('C1 S6 TOTAL', 0, 150), codes)!.text).toBe('C1 S6 TOTAL');
  });

  it("takes Tesseract's word where it is a known word a letter from the line reader's non-word", () => {
    const t = [word('Amount', 0, 0.6), word('TRILLIUM', 70, 0.85), word('Perindustrian', 160, 0.5)];
    expect(fuseLine(pLine('Anount TRILLIUK Perindusirian', 0, 300), t)!.text).toBe(
      'Amount TRILLIUM Perindustrian',
    );
    // Not where the line reader's is a word itself, nor where neither is, nor on three-letter
    // abbreviations, which lie a letter from English words ("JLN" and "JIN").
    const kept = [
      word('Tolal', 0, 0.9),
      word('MEWAH', 60, 0.85),
      word('JIN', 120, 0.8),
      word('Ammount', 160, 0.7),
    ];
    expect(fuseLine(pLine('Total MEUAH JLN Amount', 0, 240), kept)!.text).toBe('Total MEUAH JLN Amount');
  });

  it('keeps a number the line reader read and Tesseract missed, run into the word after it', () => {
    const t = [word('JALAN', 40, 0.93), word('MANIS', 100, 0.91)];
    const fused = fuseLine(pLine('14JALANMANIS', 0, 150, 0.99), t)!;
    expect(fused.words.map((w) => w.text)).toEqual(['14', 'JALAN', 'MANIS']);
    // Only the line reader saw it: it is not confirmed the way an agreed word is.
    expect(fused.words[0]!.confidence).toBeLessThan(fused.words[1]!.confidence);
    // Where Tesseract read the number too, its own word breaks stand; a code is not cut up.
    const both = [word('14', 0, 0.9), word('JALAN', 40, 0.93)];
    expect(fuseLine(pLine('14JALAN', 0, 90), both)!.text).toBe('14 JALAN');
    expect(fuseLine(pLine('U13EG', 0, 50), [word('U13EG', 0, 0.4)])!.text).toBe('U13EG');
    // A quantity keeps its unit.
    expect(fuseLine(pLine('3PC', 0, 30), [word('PC', 10, 0.9)])!.text).toBe('3PC');
  });

  it('joins a lone mark to the word before it and agrees on words that differ only in end marks', () => {
    const t = [word('Northwind', 0, 0.96), word('Co', 100, 0.96), word('.', 130, 0.7)];
    const fused = fuseLine(pLine('Northwind Co.', 0, 140), t)!;
    expect(fused.text).toBe('Northwind Co.');
    expect(fused.words.at(-1)!.confidence).toBeGreaterThan(0.95);
    const amp = [
      word('LOT', 0, 0.92),
      word('1851-A', 40, 0.87),
      word('&', 110, 0.91),
      word('1851-B,', 130, 0.83),
    ];
    expect(fuseLine(pLine('L0T1851-A&1851-B,', 0, 200), amp)!.words.map((w) => w.text)).toEqual([
      'LOT',
      '1851-A',
      '&',
      '1851-B,',
    ]);
  });

  it('keeps lines only one engine saw when it is the line reader or a sure Tesseract word', () => {
    const words = [
      tLine([word('TOTAL', 0, 0.9), word('9.00', 200, 0.9)]),
      // Junk from a logo only Tesseract "read", unsure; and a sure line the line reader missed.
      tLine([word('x', 0, 0.2, 40), word('nE', 20, 0.3, 40)]),
      tLine([word('THANK', 0, 0.92, 300), word('YOU', 70, 0.9, 300)]),
    ];
    const chars = [pLine('TOTAL 9.00', 0, 240), pLine('GST REG 001', 0, 120, 0.9, 200)];
    const fused = fuseReads(words, chars);
    expect(fused.map((l) => l.text)).toEqual(['TOTAL 9.00', 'GST REG 001', 'THANK YOU']);
    expect(fused[1]!.confidence).toBeLessThan(0.9);
  });

  it('settles a disputed word the way both engines read it elsewhere on the page', () => {
    const words = [
      tLine([word('JALAN', 0, 0.8), word('SETIA', 60, 0.8)]),
      tLine([word('BANDAR', 0, 0.8, 200), word('SETIA', 70, 0.8, 200), word('ITEM', 130, 0.8, 200)]),
    ];
    const chars = [pLine('JALAN SETIA', 0, 110), pLine('BANDAR GETIA U/P', 0, 170, 0.95, 200)];
    // "ITEM" is agreed on nowhere, and "U/P" is no near reading of anything that is.
    expect(fuseReads(words, chars).map((l) => l.text)).toEqual(['JALAN SETIA', 'BANDAR SETIA U/P']);
    // Without the agreed "SETIA" above, the line reader's reading stands.
    expect(fuseReads(words.slice(1), chars.slice(1)).map((l) => l.text)).toEqual(['BANDAR GETIA U/P']);
  });
});
