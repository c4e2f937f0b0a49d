import { describe, expect, it } from 'vitest';
import type { Extractor } from '../extractors/extractor.ts';
import { amountParser, byLabel, dateParser, idParser, toField } from '../extractors/field.ts';
import { defaultExtractors, ExtractorRegistry, extractFields } from '../extractors/index.ts';
import { buildView, findLabels, wordsBelow, wordsRight } from '../extractors/layout.ts';
import { findParty, joinAddress } from '../extractors/party.ts';
import { findTotal } from '../extractors/totals.ts';
import { mergeIntoRows } from '../pipeline/layout.ts';
import { DOC_TYPES } from '../schemas/common.ts';
import { readFromText } from './helpers/read-builder.ts';

const view = (rows: string[], confidence = 1) => buildView(readFromText(rows, { confidence }));

describe('rows and labels', () => {
  it('merges lines that sit side by side into one row, with a column gap between them', () => {
    const read = readFromText(['TOTAL', 'RM 33.92']);
    // Put the amount on the label's line, far right, as a second line object.
    const [a, b] = read.pages[0]!.lines;
    const dy = a!.box.y0 - b!.box.y0;
    for (const w of b!.words) {
      w.box = { ...w.box, x0: w.box.x0 + 600, x1: w.box.x1 + 600, y0: w.box.y0 + dy, y1: w.box.y1 + dy };
    }
    b!.box = { x0: b!.box.x0 + 600, x1: b!.box.x1 + 600, y0: b!.box.y0 + dy, y1: b!.box.y1 + dy };
    const v = buildView(read);
    expect(v.rows.map((r) => r.text)).toEqual(['TOTAL RM 33.92']);
    expect(v.rows[0]!.segments).toEqual([0, 1]);
  });

  it('drops a splinter of marks that tesseract put between the words of a line, keeps a real column', () => {
    const read = readFromText(['Northwind Electrical Co', 'E ri .', 'Total | 12.00']);
    const [line, splinter, other] = read.pages[0]!.lines;
    // The splinter at the same height as the line, between its words.
    for (const w of splinter!.words)
      w.box = { ...w.box, x0: w.box.x0 + 95, x1: w.box.x1 + 95, y0: 50, y1: 71 };
    splinter!.box = {
      ...splinter!.box,
      x0: splinter!.box.x0 + 95,
      x1: splinter!.box.x1 + 95,
      y0: 50,
      y1: 71,
    };
    const rows = mergeIntoRows([line!, splinter!, other!]);
    expect(rows.map((r) => r.text)).toEqual(['Northwind Electrical Co', 'Total 12.00']);
    // The same marks beside the line, not between its words, are kept.
    const beside = readFromText(['Northwind', 'E ri']).pages[0]!.lines;
    for (const w of beside[1]!.words)
      w.box = { ...w.box, x0: w.box.x0 + 300, x1: w.box.x1 + 300, y0: 50, y1: 71 };
    beside[1]!.box = {
      ...beside[1]!.box,
      x0: beside[1]!.box.x0 + 300,
      x1: beside[1]!.box.x1 + 300,
      y0: 50,
      y1: 71,
    };
    expect(mergeIntoRows(beside).map((r) => r.text)).toEqual(['Northwind E ri']);
  });

  it('repairs the "ß" of a German street name, which the English model cannot read', () => {
    const v = view(['LindenstralRe 77', 'Hauptstral3e 5', 'Strategy Ltd'], 0.3);
    expect(v.rows.map((r) => r.text)).toEqual(['Lindenstraße 77', 'Hauptstraße 5', 'Strategy Ltd']);
    expect(v.rows[0]!.words[0]!.confidence).toBeGreaterThan(0.8);
    expect(v.rows[2]!.words[0]!.confidence).toBe(0.3);
  });

  it.each([
    ['lnvoice Number: 42', 'invoice number'],
    ['INVOICENO: 42', 'invoice no'],
    ['Invoice No.:42', 'invoice no'],
    ['SUB TOTAL 5.00', 'subtotal'],
  ])('finds %s as the label "%s"', (line, label) => {
    expect(findLabels(view([line]), [label])).toHaveLength(1);
  });

  it.each([
    ['Invoice To', 'invoice no'],
    ['Employer Name', 'employee name'],
    ['SUBTOTAL 5.00', 'total'],
    ['SERVICE CHARGE 0.00', 'change'],
  ])('does not take %s for "%s"', (line, label) => {
    expect(findLabels(view([line]), [label])).toEqual([]);
  });

  it('drops a label inside an excluded phrase', () => {
    expect(findLabels(view(['Due Date 03/05/2024']), ['date'], { exclude: ['due date'] })).toEqual([]);
  });

  it('reads the value right of a label, stopping at the next "Label:"', () => {
    const [hit] = findLabels(view(['Invoice No: 123 Date: 03/04/2024']), ['invoice no']);
    expect(wordsRight(hit!).map((w) => w.text)).toEqual(['123']);
  });

  it('reads the value under a label, within its cell', () => {
    const v = view(['INVOICE NUMBER | ISSUE DATE | AMOUNT DUE', 'INV-7 | 07/05/2024 | 99.00']);
    const [hit] = findLabels(v, ['issue date']);
    expect(wordsBelow(hit!, v).map((w) => w.text)).toEqual(['07/05/2024']);
  });
});

describe('byLabel and fields', () => {
  it('prefers a value on the label line to one under it, and says how it was found', () => {
    const v = view(['Date: 25/12/2024', 'Issue Date', '26/12/2024']);
    const found = byLabel(v, ['date', 'issue date'], dateParser({ order: 'DMY' }));
    expect(found.map((c) => [c.value, c.method])).toEqual([
      ['2024-12-25', 'same-line'],
      ['2024-12-26', 'below'],
    ]);
    expect(toField(found[0]!).confidence).toBeGreaterThan(toField(found[1]!).confidence);
  });

  it('combines OCR confidence into the field confidence and boxes the evidence', () => {
    const [clean] = byLabel(view(['Invoice # INV-1']), ['invoice #'], idParser());
    const [noisy] = byLabel(view(['Invoice # INV-1'], 0.7), ['invoice #'], idParser());
    const f = toField(noisy!);
    expect(f.confidence).toBeLessThan(toField(clean!).confidence);
    expect(f.evidence).toEqual([{ page: 1, box: { x0: 150, y0: 50, x1: 200, y1: 71 }, text: 'INV-1' }]);
  });

  it('takes the right-most amount of a row', () => {
    const [c] = byLabel(view(['TOTAL QTY: 2 | 4 | 80.91']), ['total qty'], amountParser(), {
      wholeRow: true,
    });
    expect(c!.value).toBe('80.91');
  });
});

describe('findTotal', () => {
  it.each([
    [['SUBTOTAL | 10.00', 'GST 6% | 0.60', 'TOTAL | 10.60', 'CASH | 20.00', 'CHANGE | 9.40'], '10.60'],
    [['TOTAL | RM 33.92', 'TOTAL ROUNDED | RM 33.90'], '33.90'],
    [
      [
        'TOTAL SALES (EXCLUDING GST) : | 80.91',
        'TOTAL SALES (INCLUSIVE OF GST) : | 80.90',
        'GST SUMMARY',
        'TOTAL : | 80.91',
      ],
      '80.90',
    ],
    [['TOTAL QTY: | 9', 'GRAND TOTAL : | 20.00', 'TOTAL DISCOUNT | 0.00'], '20.00'],
    [['SUBTOTAL: | 28.60', 'CASH | 100.00', 'CASH CHANGE | 71.40'], '28.60'],
  ])('%j -> %s', (rows, want) => {
    expect(findTotal(view(rows))?.value).toBe(want);
  });

  it('can be told that a label is a subtotal on this kind of document', () => {
    const rows = ['Net amount | 100.00', 'VAT 20% | 20.00', 'Total | 120.00'];
    expect(findTotal(view(rows), { exclude: ['net amount'] })?.value).toBe('120.00');
  });
});

describe('parties', () => {
  it('joins address lines with ", " without doubling printed commas', () => {
    expect(joinAddress(['NO.53, JALAN SAGU 18,', 'TAMAN DAYA,', '81100 JOHOR BAHRU'])).toBe(
      'NO.53, JALAN SAGU 18, TAMAN DAYA, 81100 JOHOR BAHRU',
    );
  });

  it('joins a legal suffix printed on its own line to the name above', () => {
    const p = findParty(
      view([
        'PASARAYA BORONG PINTAR',
        'SDN BHD',
        'BR NO.: (124525-H)',
        'NO 19-G, JALAN TASIK UTAMA 4,',
        '016-5498845',
      ]),
    );
    expect(p.name?.value).toBe('PASARAYA BORONG PINTAR SDN BHD');
    expect(p.address?.value).toBe('NO 19-G, JALAN TASIK UTAMA 4,');
  });
});

describe('ExtractorRegistry', () => {
  const fake = (name: string, score: number): Extractor => ({
    name,
    supports: (t) => t === 'invoice',
    score: () => score,
    extract: () => ({ who: { value: name, confidence: 1, evidence: [] } }),
  });

  it('picks the supporting extractor with the highest score', () => {
    const r = new ExtractorRegistry().register(fake('low', 0.2), fake('high', 0.9));
    expect(r.pick('invoice')?.name).toBe('high');
    expect(r.extract('invoice', readFromText(['x'])).who?.value).toBe('high');
  });

  it('returns no fields for a type nobody supports', () => {
    expect(new ExtractorRegistry().register(fake('a', 1)).extract('receipt', readFromText(['x']))).toEqual(
      {},
    );
  });

  it('has a built-in extractor for every document type', () => {
    const r = defaultExtractors();
    for (const t of DOC_TYPES) expect(r.pick(t), t).not.toBeNull();
    expect(extractFields('receipt', readFromText(['SHOP', 'TOTAL | 1.00'])).total?.value).toBe('1.00');
  });
});
