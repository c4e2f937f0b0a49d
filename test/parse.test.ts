import { describe, expect, it } from 'vitest';
import { mendAddressWords } from '../extractors/parse/address-words.ts';
import { findAmounts, fromCents, parseAmount, toCents } from '../extractors/parse/amount.ts';
import { currencyFromToken, detectCurrency, ISO_4217 } from '../extractors/parse/currency.ts';
import { decideDateOrder, findDates, parseDate } from '../extractors/parse/date.ts';
import { detectLocale } from '../extractors/parse/locale.ts';
import {
  containsPhrase,
  editDistance,
  letterise,
  matchAt,
  normalise,
  withoutPhrase,
} from '../extractors/parse/text.ts';

const today = new Date('2025-06-01T00:00:00Z');

describe('parseDate', () => {
  it.each([
    // [printed, order decided for the document, canonical]
    ['2024-03-04', undefined, '2024-03-04'],
    ['2024/03/04', undefined, '2024-03-04'],
    ['2018.03.23', undefined, '2018-03-23'],
    ['12 Mar 2024', undefined, '2024-03-12'],
    ['12-Mar-2024', undefined, '2024-03-12'],
    ['12MAR2024', undefined, '2024-03-12'],
    ['25 DEC 18', undefined, '2018-12-25'],
    ['28 MAR 18 18:32:36', undefined, '2018-03-28'],
    ['1st January 2020', undefined, '2020-01-01'],
    ['March 12, 2024', undefined, '2024-03-12'],
    ['Mar. 5th, 2023', undefined, '2023-03-05'],
    ['Sept 30, 2024', undefined, '2024-09-30'],
    ['5 Ogos 2023', undefined, '2023-08-05'],
    ['25/12/2018 8:13:39 PM', undefined, '2018-12-25'],
    ['12/28/2017', undefined, '2017-12-28'],
    ['03/04/2024', 'DMY', '2024-04-03'],
    ['03/04/2024', 'MDY', '2024-03-04'],
    ['03-04-24', 'DMY', '2024-04-03'],
    ['3.4.2024', 'DMY', '2024-04-03'],
    ['09/27/23', 'MDY', '2023-09-27'],
    ['19-03-18', 'DMY', '2018-03-19'],
    ['07/07/2024', undefined, '2024-07-07'],
  ] as const)('%s (%s) -> %s', (text, order, want) => {
    const d = parseDate(text, { order, today });
    expect(d?.value).toBe(want);
    expect(d?.flags).toEqual([]);
  });

  it.each([
    ['03/04/2024', '2024-04-03'],
    ['9/3/2018', '2018-03-09'],
  ])('flags %s as ambiguous when nothing decides the order, reading it day first', (text, want) => {
    const d = parseDate(text, { today });
    expect(d).toMatchObject({ value: want, flags: ['ambiguous-date-order'] });
    expect(d!.confidence).toBeLessThan(0.6);
  });

  it('reads an ambiguous date month first when told to fall back that way', () => {
    expect(parseDate('03/04/2024', { today, fallbackOrder: 'MDY' })?.value).toBe('2024-03-04');
  });

  it.each([
    '31/02/2024',
    '2024-13-01',
    '05/06/1899',
    '12/12/2199',
    '32 Jan 2024',
    'HD03-04-06',
    'NO 2-1-1 JALAN',
    '43-45-47G',
    '016-5498845',
    '10:17:32',
    '12.17.26 PM',
    'Invoice 123',
  ])('rejects %s', (text) => {
    expect(findDates(text, { today })).toEqual([]);
  });

  it('reads compact dates only when asked (they look like invoice numbers)', () => {
    expect(findDates('20180304', { today })).toEqual([]);
    expect(parseDate('20180304', { today, compact: true })?.value).toBe('2018-03-04');
  });

  it('does not let a dotted time decide the day/month order', () => {
    expect(decideDateOrder('Date 06/01/18 12.17.26 PM', null).order).toBeNull();
  });

  it('finds every date in a line, in order', () => {
    const found = findDates('Period 01/03/2024 - 31/03/2024, paid 28 Mar 2024', { today, order: 'DMY' });
    expect(found.map((d) => d.value)).toEqual(['2024-03-01', '2024-03-31', '2024-03-28']);
  });
});

describe('decideDateOrder', () => {
  it.each([
    [
      'a date with a day over 12 fixes day first',
      'Date 03/04/2024 ... printed 25/12/2024',
      null,
      'DMY',
      'document-dates',
    ],
    [
      'a date with a second part over 12 fixes month first',
      'Due 03/04/2024, issued 12/28/2023',
      null,
      'MDY',
      'document-dates',
    ],
    [
      'otherwise the locale decides',
      'Date 03/04/2024',
      { order: 'MDY' as const, confidence: 0.9 },
      'MDY',
      'locale',
    ],
    [
      'contradicting dates fall back on the locale',
      '25/12/2024 12/28/2024',
      { order: 'DMY' as const, confidence: 0.9 },
      'DMY',
      'locale',
    ],
    ['nothing decides', 'Date 03/04/2024', null, null, 'none'],
  ])('%s', (_, text, locale, order, source) => {
    expect(decideDateOrder(text, locale)).toMatchObject({ order, source });
  });

  it('a caller hint wins', () => {
    expect(decideDateOrder('25/12/2024', null, 'MDY')).toMatchObject({ order: 'MDY', source: 'hint' });
  });
});

describe('parseAmount', () => {
  it.each([
    ['1,234.56', '1234.56'],
    ['1.234,56', '1234.56'],
    ['1 234,56', '1234.56'],
    ["1'234.56", '1234.56'],
    ['RM 12.30', '12.30'],
    ['RM12.30', '12.30'],
    ['$12', '12.00'],
    ['€12,00', '12.00'],
    ['12,00 €', '12.00'],
    ['USD 1,000.00', '1000.00'],
    ['S$ 5.00', '5.00'],
    ['£0.99', '0.99'],
    ['(12.00)', '-12.00'],
    ['12.00-', '-12.00'],
    ['-RM 0.02', '-0.02'],
    ['12.5', '12.50'],
    ['0.00', '0.00'],
    ['007.50', '7.50'],
    ['1,234,567.89', '1234567.89'],
  ])('%s -> %s', (text, want) => {
    expect(parseAmount(text)?.value).toBe(want);
  });

  it.each([
    ['1O.5O', '10.50'],
    ['S5.00', '55.00'],
    ['1l.20', '11.20'],
  ])('repairs OCR letters in %s', (text, want) => {
    const a = parseAmount(text);
    expect(a?.value).toBe(want);
    expect(a?.flags).toContain('ocr-repaired');
    expect(a!.confidence).toBeLessThan(1);
  });

  it.each(['TOTAL', 'SOIL', '12-01-19', '6%', '1.234.56', 'abc12.00'])('rejects %s', (text) => {
    expect(parseAmount(text)).toBeNull();
  });

  it('flags a lone three-digit group whose separator the locale does not settle', () => {
    expect(parseAmount('1.234')).toMatchObject({ value: '1234.00', flags: ['ambiguous-separator'] });
    expect(parseAmount('1.234', { decimal: ',' })).toMatchObject({ value: '1234.00', flags: [] });
  });
});

describe('findAmounts', () => {
  it('keeps tax codes glued on the right and skips codes glued on the left', () => {
    expect(findAmounts('1X 000007996511 75.00SR').map((a) => a.value)).toContain('75.00');
    expect(findAmounts('SS21/39 KAWASAN')).toEqual([]);
  });

  it('does not read a quantity and a price as one amount', () => {
    expect(findAmounts('2 150.00').map((a) => a.value)).toEqual(['2.00', '150.00']);
    expect(findAmounts('1  361,99', { decimal: ',' }).map((a) => a.value)).toEqual(['1.00', '361.99']);
  });

  it('reports the currency printed with the amount', () => {
    expect(findAmounts('TOTAL RM 33.92')[0]).toMatchObject({
      value: '33.92',
      currencyToken: 'RM',
      hasDecimals: true,
    });
  });

  it('ignores dates, times and phone numbers', () => {
    expect(findAmounts('12-01-19 21:13 016-5498845').filter((a) => a.hasDecimals)).toEqual([]);
  });
});

describe('cents', () => {
  it.each([
    ['0.01', 1],
    ['-12.34', -1234],
    ['1234.50', 123450],
  ])('%s <-> %d', (value, cents) => {
    expect(toCents(value)).toBe(cents);
    expect(fromCents(cents)).toBe(value);
  });
});

describe('currency', () => {
  it.each([
    ['RM', null, 'MYR'],
    ['£', null, 'GBP'],
    ['€', null, 'EUR'],
    ['US$', null, 'USD'],
    ['S$', null, 'SGD'],
    ['$', null, 'USD'],
    ['$', 'CA', 'CAD'],
    ['$', 'AU', 'AUD'],
    ['$', 'MY', 'MYR'],
    ['¥', 'JP', 'JPY'],
    ['eur', null, 'EUR'],
    ['TOTAL', null, null],
  ] as const)('%s in %s -> %s', (token, country, want) => {
    expect(currencyFromToken(token, country)).toBe(want);
  });

  it.each([
    ['Total RM 12.00', null, 'MYR'],
    ['All amounts in CAD', null, 'CAD'],
    ['Currency: EUR', null, 'EUR'],
    ['Total $12.00 Subtotal $11.00', 'AU', 'AUD'],
    ['Total USD 1,200.00', null, 'USD'],
    ['TOTAL 12,50 €', null, 'EUR'],
    ['nothing at all', 'MY', 'MYR'],
    ['nothing at all', null, null],
  ] as const)('detects %s (country %s) -> %s', (text, country, want) => {
    expect(detectCurrency(text, country)?.code ?? null).toBe(want);
  });

  it('knows real ISO 4217 codes only', () => {
    expect(ISO_4217.has('MYR')).toBe(true);
    expect(ISO_4217.has('XYZ')).toBe(false);
  });
});

describe('detectLocale', () => {
  it.each([
    ['MR D.I.Y. SDN BHD, JALAN KPB 6, 43300 SERI KEMBANGAN, SELANGOR', 'MY', 'DMY'],
    ['12 Main St, Austin, TX 78701 (512) 555-1234', 'US', 'MDY'],
    ['Unit 4, 12 High Street, Manchester M1 4AB, United Kingdom', 'GB', 'DMY'],
    ['Hauptstraße 12, 10115 Berlin, Germany', 'DE', 'DMY'],
    ['King Street West, Toronto, ON M5H 1A1, Canada', 'CA', null],
    ['Level 3, 200 George Street, Sydney NSW 2000', 'AU', 'DMY'],
  ])('%s -> %s', (text, country, order) => {
    expect(detectLocale(text)).toMatchObject({ country, dateOrder: order });
  });

  it('says nothing when there are no clues', () => {
    expect(detectLocale('Meeting notes, Tuesday').country).toBeNull();
  });

  it('uses the decimal comma where the country does', () => {
    expect(detectLocale('Damrak 12, 1012 AB Amsterdam, Netherlands').decimal).toBe(',');
  });
});

describe('text matching', () => {
  it('normalises case, accents and punctuation', () => {
    expect(normalise('  Invoice  No.: ')).toBe('invoice no');
    expect(normalise('Straße Café')).toBe('strasse cafe');
  });

  it('measures edits', () => {
    expect(editDistance('invoice', 'lnvoice')).toBe(1);
    expect(editDistance('abc', 'xyz', 1)).toBe(2);
  });

  it.each([
    ['lnvoice number', 'invoice number', true],
    ['invoiceno', 'invoice no', true],
    ['sub total', 'subtotal', true],
    ['invoice to', 'invoice no', false],
    ['employee name', 'employer name', false],
    ['tex', 'tax', false],
    ['charge', 'change', false],
    ['wage and tax statment', 'wage and tax statement', true],
  ])('%s contains %s: %s', (haystack, phrase, want) => {
    expect(containsPhrase(haystack, phrase)).toBe(want);
  });

  it('withoutPhrase takes out a phrase as matchAt finds it, OCR slips included', () => {
    expect(withoutPhrase('tax invaice # 123', 'invoice #')).toBe('tax 123');
    expect(withoutPhrase('invoice no 7 invoice', 'invoice no')).toBe('7 invoice');
    expect(withoutPhrase('grand total', 'sub total')).toBe('grand total');
  });

  it('matchAt reports the tokens a phrase used', () => {
    expect(matchAt(['grand', 'total', '12'], 0, ['grand', 'total'])).toEqual({ k: 2, d: 0 });
    expect(matchAt(['subtotal'], 0, ['sub', 'total'])).toEqual({ k: 1, d: 0 });
  });
});

describe('letterise', () => {
  it.each([
    ['t0tal', 'total'],
    ['5ubtotal', 'subtotal'],
    ['1nvoice', 'lnvoice'],
    ['inv-2024', 'inv-2024'],
    ['100ml', '100ml'],
    ['a4', 'a4'],
  ])('%s -> %s', (token, want) => {
    expect(letterise(token)).toBe(want);
  });

  it('lets a label survive digits read for letters', () => {
    expect(containsPhrase('t0tal amount', 'total amount')).toBe(true);
  });
});

describe('OCR noise next to a currency', () => {
  it('drops a stray letter between the currency and the digits', () => {
    expect(parseAmount('RMS5,335.34')).toMatchObject({ value: '5335.34', flags: ['ocr-repaired'] });
  });
});

describe('numbers OCR split at the decimal point', () => {
  it.each([
    ['15374 .64', '15374.64'],
    ['109818. 84', '109818.84'],
  ])('%s -> %s', (text, want) => {
    expect(parseAmount(text)).toMatchObject({ value: want, flags: ['ocr-repaired'] });
  });

  it('does not join a count and a price', () => {
    expect(findAmounts('2 .50 each').map((a) => a.value)).not.toContain('2.50');
  });
});

describe('mendAddressWords', () => {
  it('splits words OCR glued and joins words it split', () => {
    expect(mendAddressWords('12, JalanTampoi 7/4, K awasan Perindustrian')).toBe(
      '12, Jalan Tampoi 7/4, Kawasan Perindustrian',
    );
    expect(mendAddressWords('81200 JOHORBAHRU, JOHOR MAL AYSIA')).toBe('81200 JOHOR BAHRU, JOHOR MALAYSIA');
    expect(mendAddressWords('OFF JALANPUDU, 55100')).toBe('OFF JALAN PUDU, 55100');
    // A capital inside a name is not a glued word, nor are two words a town is written in.
    expect(mendAddressWords('12 MacDonald Street, George Town')).toBe('12 MacDonald Street, George Town');
    // "Block B No1" is not a split word: the letter stands before a capital.
    expect(mendAddressWords('Block B No1.Jalan PJU 9/1')).toBe('Block B No1.Jalan PJU 9/1');
  });

  it('mends one letter in a long address word, in its case, and keeps its mark', () => {
    expect(mendAddressWords('KAWASAN PERINDUSIRIAN BALAKONG, SCLANGOR.')).toBe(
      'KAWASAN PERINDUSTRIAN BALAKONG, SELANGOR.',
    );
    expect(mendAddressWords('Kawasan Perindustian Tampoi')).toBe('Kawasan Perindustrian Tampoi');
    // The second word of a two-word place, however sure OCR was of its misreading.
    expect(mendAddressWords('57100 KUALA LUNPUR. 81200 Johor Bahnu, Johor')).toBe(
      '57100 KUALA LUMPUR. 81200 Johor Bahru, Johor',
    );
  });

  it('mends a short word only when OCR was unsure of it, and never a real name near an address word', () => {
    expect(mendAddressWords('JALAN ANGSA, TANAN BERKELEY')).toBe('JALAN ANGSA, TANAN BERKELEY');
    expect(mendAddressWords('JALAN ANGSA, TANAN BERKELEY', (t) => t === 'TANAN')).toBe(
      'JALAN ANGSA, TAMAN BERKELEY',
    );
    // "PERMAS" is one letter from "PERMAI": read surely, it stays.
    expect(mendAddressWords('JALAN PERMAS 9/5 BANDAR BARU PERMAS JAYA')).toBe(
      'JALAN PERMAS 9/5 BANDAR BARU PERMAS JAYA',
    );
    // Codes and numbers stay, however unsure.
    expect(mendAddressWords('LOT B-F-11, U13/BG S6', () => true)).toBe('LOT B-F-11, U13/BG S6');
  });

  it('drops a letter OCR read after the stop that ends the address, when it was unsure', () => {
    expect(mendAddressWords('45600 BESTARI JAYA, KUALA SELANGOR.O', (t) => t === 'SELANGOR.O')).toBe(
      '45600 BESTARI JAYA, KUALA SELANGOR.',
    );
    // Read surely, or an abbreviation ("D.E"), or not at the end: as printed.
    expect(mendAddressWords('KUALA SELANGOR.O')).toBe('KUALA SELANGOR.O');
    expect(mendAddressWords('41050 KLANG SELANGOR D.E', () => true)).toBe('41050 KLANG SELANGOR D.E');
    expect(mendAddressWords('SELANGOR.O MALAYSIA', () => true)).toBe('SELANGOR.O MALAYSIA');
  });
});
