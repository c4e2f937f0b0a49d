import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { defaultClassifiers } from '../classifiers/index.ts';
import { invoiceExtractor } from '../extractors/invoice.extractor.ts';
import { isLabelOrHeading, labelsFor } from '../extractors/invoice-labels.ts';
import { openPdf } from '../pipeline/adapters/pdf.ts';
import { textLayerPage } from '../pipeline/read.ts';
import type { ReadResult } from '../schemas/read.ts';
import { EINVOICE_DIR } from './helpers/einvoice.ts';
import { readFromText } from './helpers/read-builder.ts';

/** The pages alone, as the visual reading sees them: the embedded XML is not looked at. */
async function pagesOf(name: string): Promise<ReadResult> {
  const pdf = await openPdf(new Uint8Array(await readFile(`${EINVOICE_DIR}${name}`)));
  try {
    const pages = [];
    for (let n = 1; n <= pdf.numPages; n++) pages.push(textLayerPage(n, await pdf.readTextLayer(n, 72), 72));
    return { pages };
  } finally {
    await pdf.close();
  }
}

const values = (read: ReadResult) =>
  Object.fromEntries(Object.entries(invoiceExtractor.extract(read)).map(([k, f]) => [k, f.value]));

describe.skipIf(!existsSync(`${EINVOICE_DIR}SOURCE.md`))(
  'real German and French invoices, pages only',
  () => {
    it('reads a German ZUGFeRD rendering: vendor from "Name:" in the Verkäufer block, date after the number', async () => {
      const read = await pagesOf('XML-Rechnung_FX_EN16931_Einfach.pdf');
      expect(defaultClassifiers().classify(read).docType).toBe('invoice');
      expect(values(read)).toMatchObject({
        vendorName: 'Lieferant GmbH',
        invoiceNumber: '471102',
        invoiceDate: '2018-03-05',
        currency: 'EUR',
        subtotal: '473.00',
        taxAmount: '56.87',
        total: '529.87',
      });
    });

    it('finds the seller block whose label the PDF sets apart from its colon ("Verkäufer :")', async () => {
      // The renderer's banner line ("Stylesheet Lesbarmachung der XML-Daten ...") tops the page:
      // without the block the letterhead fallback took it for the vendor.
      const read = await pagesOf('symtrax_Beispiele_BASIC_WL_zugferd_2p1_BASIC-WL_Einfach.pdf');
      expect(values(read).vendorName).toBe('Lieferant GmbH');
    });

    it('takes the date the title row gives after its number when the number is labelled elsewhere', async () => {
      // "Baurechnung (204) Nr. 181301674 vom 25.04.2018": a compound title, and the number
      // found by "Zahlungsreferenz: Rechnung 181301674" further down.
      const read = await pagesOf('XML-Rechnung_FX_EN16931_Elektron.pdf');
      expect(values(read).invoiceDate).toBe('2018-04-25');
    });

    it('reads a name a table cell wraps over two lines as one, held in doubt', async () => {
      // "MVM Musterhafter" is printed above "Name: Versicherungsverein Musterstadt a.G.".
      const read = await pagesOf('XML-Rechnung_FX_EN16931_Haftpflichtversicherung_Versicherungssteuer.pdf');
      const vendor = invoiceExtractor.extract(read).vendorName;
      expect(vendor?.value).toBe('MVM Musterhafter Versicherungsverein Musterstadt a.G.');
      expect(vendor?.confidence).toBeLessThan(0.9);
    });

    it('reads words whole where the producer moves each letter into place (Apache FOP)', async () => {
      // pdfjs alone reads "Taxiunter nehmen TX GmbH" and "10369 Ber lin": every 'r' of this
      // font is followed by a 0.110 em adjustment, over pdfjs's 0.102 em bar for a space.
      const read = await pagesOf('symtrax_Beispiele_BASIC_zugferd_2p1_BASIC_Taxifahrt.pdf');
      const text = read.pages[0]?.lines.map((l) => l.words.map((w) => w.text).join(' ')) ?? [];
      expect(text).toContain('10369 Berlin');
      expect(values(read).vendorName).toBe('Taxiunternehmen TX GmbH');
    });

    it('reads the due date from the payment terms sentence of a real German invoice', async () => {
      const read = await pagesOf('symtrax_Beispiele_EN16931_zugferd_2p1_EN16931_Physiotherapeut.pdf');
      expect(values(read).dueDate).toBe('2018-11-21');
    });

    it('reads a French Factur-X invoice: the letterhead cut at its separator, "Date de facture", "Total TTC"', async () => {
      const read = await pagesOf('FNFE-factur-x-examples_Facture_FR_BASICWL.pdf');
      expect(defaultClassifiers().classify(read).docType).toBe('invoice');
      expect(values(read)).toMatchObject({
        vendorName: 'Au bon moulin SARL',
        invoiceNumber: 'FA-2017-0010',
        invoiceDate: '2017-11-13',
        currency: 'EUR',
        total: '671.15',
      });
    });
  },
);

describe('invoice labels in six languages', () => {
  it('knows the invoice-number label of each language and tries generic words last', () => {
    const number = labelsFor('number');
    for (const l of [
      'invoice no',
      'rechnungsnummer',
      'numero de facture',
      'factuurnummer',
      'numero de factura',
      'numero fattura',
    ])
      expect(number).toContain(l);
    const date = labelsFor('date');
    expect(date.indexOf('date de facture')).toBeLessThan(date.indexOf('date'));
    expect(date.at(-1)).toBe('data');
  });

  it('refuses labels, headings and currency codes as vendor names, and keeps names', () => {
    for (const t of [
      'Billing Address',
      'Hotel Details',
      'Web Services',
      'Verkäufer',
      'Rechnungsadresse:',
      'EUR',
      'Nummer',
    ])
      expect(isLabelOrHeading(t)).toBe(true);
    for (const t of ['Lieferant GmbH', 'Au bon moulin', 'IBM', 'Bakkerij De Korf B.V.'])
      expect(isLabelOrHeading(t)).toBe(false);
  });

  it('holds the number in doubt when the title row prints a different one', () => {
    const rows = (title: string) => ['Muster GmbH', title, 'Belegnummer: 2018092011804', 'Total 100,00 EUR'];
    const agreeing = invoiceExtractor.extract(
      readFromText(rows('Handelsrechnung (380) Nr. 2018092011804 vom 20.09.2018')),
    );
    const disputed = invoiceExtractor.extract(
      readFromText(rows('Handelsrechnung (380) Nr. E2018092011804 vom 20.09.2018')),
    );
    expect(agreeing.invoiceNumber?.value).toBe('2018092011804');
    expect(disputed.invoiceNumber?.flags).toContain('competing-value');
    expect(agreeing.invoiceNumber?.flags ?? []).not.toContain('competing-value');
    expect(disputed.invoiceNumber?.confidence).toBeLessThan(agreeing.invoiceNumber?.confidence ?? 0);
  });

  it('reads the number a compound title row prints without a number label', () => {
    const read = readFromText([
      'Muster GmbH',
      'Mietrechnung (387) Nr. 9314110911/00/M/00/N vom 01.10.2018',
      'Total 100,00 EUR',
    ]);
    expect(values(read)).toMatchObject({ invoiceNumber: '9314110911/00/M/00/N', invoiceDate: '2018-10-01' });
    // A title alone is a heading: no number is made up from what follows it.
    expect(
      values(readFromText(['Muster GmbH', 'RECHNUNG', 'Total 100,00 EUR'])).invoiceNumber,
    ).toBeUndefined();
  });

  it.each([
    [
      'de',
      [
        'Mietrechnung (387) Nr. 9314110911/00/M/00/N vom 01.10.2018',
        'Liefer- und Leistungsdatum: 29.09.2018',
      ],
      '2018-10-01',
    ],
    ['fr', ['FACTURE N° FA-2024-17 du 03/04/2024', 'Date de livraison : 01/04/2024'], '2024-04-03'],
    [
      'de',
      [
        'Rechnung des Versicherers Nr. 01.234.567.8-2018-1 vom',
        '06.12.2018',
        'Liefer- und Leistungsdatum : 06.12.2018',
      ],
      '2018-12-06',
    ],
    ['it', ['Fattura n. 77 del 05/06/2024'], '2024-06-05'],
  ])('reads the %s title-row date, on its row or wrapped to the next', (_lang, lines, date) => {
    const read = readFromText(['Muster GmbH', ...lines, 'Total 100,00 EUR']);
    expect(values(read).invoiceDate).toBe(date);
  });

  it.each([
    [
      'de',
      'Zahlbar innerhalb 30 Tagen netto bis 04.04.2020, 3% Skonto innerhalb 10 Tagen bis 15.03.2020.',
      '2020-04-04',
    ],
    [
      'de',
      'Den Rechnungsbetrag überweisen Sie bitte bis zum 21.11.2018 auf das unten angegebene Konto.',
      '2018-11-21',
    ],
    ['de', 'Zahlbar mit 2% Skonto bis 12.11.2018 Zahlbar ohne Abschlag bis 20.11.2018', '2018-11-20'],
    ['en', 'Payment terms: please pay no later than 5 May 2024', '2024-05-05'],
    ['fr', 'Règlement par virement avant le 03/06/2024', '2024-06-03'],
    ['it', 'Pagamento entro il 30/06/2024', '2024-06-30'],
  ])('reads the %s due date from payment terms written as a sentence', (_lang, terms, due) => {
    const read = readFromText(['Muster GmbH', 'Rechnung Nr. 4711 vom 05.03.2018', terms, 'Total 100,00 EUR']);
    expect(values(read).dueDate).toBe(due);
  });

  it('takes no due date from a discount term, a date without a payment word, or a paid date', () => {
    for (const terms of [
      '3% Skonto bei Zahlung bis 15.03.2020',
      'Lieferung bis 15.03.2020',
      'Der Rechnungsbetrag wurde am 15.03.2020 beglichen.',
    ]) {
      const read = readFromText([
        'Muster GmbH',
        'Rechnung Nr. 4711 vom 05.03.2018',
        terms,
        'Total 100,00 EUR',
      ]);
      expect(values(read).dueDate, terms).toBeUndefined();
    }
  });

  it('never takes a heading for the vendor, nor the buyer', () => {
    const read = readFromText([
      'Billing Address',
      'Kunden AG Mitte',
      'Kundenstraße 15',
      '69876 Frankfurt',
      'Rechnung Nr. 4711 vom 05.03.2024',
      'Gesamtbetrag 119,00 EUR',
    ]);
    const vendor = invoiceExtractor.extract(read).vendorName?.value;
    expect(vendor).not.toBe('Billing Address');
    expect(vendor).not.toBe('Kunden AG Mitte');
    expect(values(read)).toMatchObject({ invoiceNumber: '4711', invoiceDate: '2024-03-05', total: '119.00' });
  });
});
