import { describe, expect, it } from 'vitest';
import { detectLanguage, TESSERACT_CODE } from '../extractors/parse/language.ts';
import { EnvError, loadServiceConfig, ocrLanguagesFromEnv } from '../schemas/env.ts';

const SNIPPETS = {
  en: `INVOICE No. 2024-0042
Bill to: Northwind Traders, 12 High Street, Portsmouth
Date of issue: 05/03/2024   Payment due in 30 days
Description            Qty   Unit price   Amount
Consulting services      3       450.00   1,350.00
Subtotal 1,350.00  VAT 20% 270.00  Total amount due 1,620.00
Thank you for your business. Please pay by bank transfer.`,
  de: `Rechnung Nr. 471102 vom 05.03.2018
Lieferant GmbH, Lieferantenstraße 20, 80333 München
Kundennummer: GE2020211
Artikel          Menge   Einzelpreis   Betrag
Trennblätter A4     20        9,90     198,00
Nettobetrag 198,00 EUR  zzgl. 19% MwSt. 37,62 EUR
Gesamtbetrag 235,62 EUR. Zahlbar innerhalb von 14 Tagen ohne Abzug auf das unten genannte Konto.`,
  fr: `FACTURE N° F-2023-118 du 12/09/2023
Société Dupont SARL, 14 rue de la Paix, 75002 Paris – SIRET 123 456 789 00012
Désignation        Quantité   Prix unitaire HT   Montant HT
Prestation de conseil     2         500,00       1 000,00
Total HT 1 000,00 €  TVA 20 % 200,00 €  Total TTC 1 200,00 €
Date d'échéance : 12/10/2023. Paiement par virement, merci de votre confiance.`,
  nl: `FACTUUR
Factuurnummer: 2023-0456   Factuurdatum: 14-06-2023   Vervaldatum: 14-07-2023
Van der Berg BV, Keizersgracht 100, 1015 CS Amsterdam
Omschrijving           Aantal   Prijs    Bedrag
Advieswerkzaamheden        8    95,00    760,00
Totaal excl. btw 760,00  btw 21% 159,60  Totaal incl. btw 919,60
Wij verzoeken u het bedrag binnen 30 dagen over te maken op onze rekening.`,
  es: `FACTURA Nº 2023/0789   Fecha: 03/05/2023
Distribuciones García S.L., Calle Mayor 12, 28013 Madrid, CIF B12345678
Descripción          Cantidad   Precio unitario   Importe
Servicio de mantenimiento   4        60,00         240,00
Base imponible 240,00 €  IVA 21% 50,40 €  Total factura 290,40 €
Fecha de vencimiento: 02/06/2023. Forma de pago: transferencia. Gracias por su confianza.`,
  it: `FATTURA N. 145/2023 del 21/03/2023
Rossi S.r.l., Via Roma 10, 20121 Milano – Partita IVA 01234567890
Descrizione           Quantità   Prezzo   Importo
Consulenza tecnica        5      80,00     400,00
Imponibile 400,00 €  IVA 22% 88,00 €  Totale fattura 488,00 €
Pagamento con bonifico bancario entro la data di scadenza. Grazie per la fiducia.`,
} as const;

describe('detectLanguage', () => {
  for (const [language, text] of Object.entries(SNIPPETS)) {
    it(`tells an invoice in ${language}`, () => {
      const guess = detectLanguage(text);
      expect(guess.language).toBe(language);
      expect(guess.confidence).toBeGreaterThan(0.3);
      expect(guess.confidence).toBeLessThanOrEqual(1);
    });
  }

  it('reads OCR noise: the English model on a German page (no umlauts, ß as B, odd case)', () => {
    const noisy = `Beispiel-Rechnungen fiir ZUGFeRD 2.2, (c) FeRD 2022
HANDELSRECHNUNG (380) Nr. 471102 vom 05.03.2018
Wahrung: EUR   Liefer- und Leistungsdatum: 05.03.2018
Verkaufer Name: Lieferant GmbH Anschrift: LieferantenstraBe 20 DE 80333 Munchen
Steuernummer: 201/113/40209 USt.-Id.-Nr.: DE123456789
Bemerkung Rechnung gemaf Bestellung vom 01.03.2018. Seitel von 2`;
    expect(detectLanguage(noisy).language).toBe('de');
  });

  it('reads a noisy French receipt with broken characters', () => {
    const noisy =
      'FACTURE n° 0I23 ... MONTANT T0TAL TTC : 45,60 € dont TVA 7,60 — merci de votre visite, le magasin et les vendeurs';
    expect(detectLanguage(noisy).language).toBe('fr');
  });

  it('answers null for a text too short to tell', () => {
    expect(detectLanguage('Total 12.50').language).toBeNull();
    expect(detectLanguage('').language).toBeNull();
    expect(detectLanguage('de la').confidence).toBe(0);
  });

  it('answers null when two languages weigh the same', () => {
    const mixed = 'Rechnung und Betrag mit MwSt — facture et montant avec TVA';
    const guess = detectLanguage(mixed);
    expect(guess.language).toBeNull();
    expect(guess.scores.de).toBeGreaterThan(0);
    expect(guess.scores.fr).toBeGreaterThan(0);
  });

  it('keeps an English receipt full of Malay place names English', () => {
    const receipt = `BOOK TA .K (TAMAN DAYA) SDN BHD
NO.5: 55,57 & 59, JALAN SAGU 18, TAMAN DAYA, 81100 JOHOR BAHRU, JOHOR.
Document No : TD01167104   Date: 25/12/2018 8:13:39 PM   Cashier: MANIS
CR-2 PANDA - 6 DIAMONDS SCOTCH TAPE  Qty 1  Price 9.00  Amount 9.00
Total: 9.00   Rounding 0.00   Cash 10.00   Change 1.00
Goods sold are not returnable, thank you for shopping with us`;
    expect(detectLanguage(receipt).language).toBe('en');
  });

  it('is deterministic and maps every language to its Tesseract model', () => {
    expect(detectLanguage(SNIPPETS.nl)).toEqual(detectLanguage(SNIPPETS.nl));
    expect(TESSERACT_CODE).toEqual({ en: 'eng', de: 'deu', fr: 'fra', nl: 'nld', es: 'spa', it: 'ita' });
  });
});

describe('PAPERLINE_OCR_LANGUAGES', () => {
  it('defaults to all six, takes a comma list and refuses unknown codes', () => {
    expect(ocrLanguagesFromEnv({})).toEqual(['eng', 'deu', 'fra', 'nld', 'spa', 'ita']);
    expect(ocrLanguagesFromEnv({ PAPERLINE_OCR_LANGUAGES: 'eng, DEU' })).toEqual(['eng', 'deu']);
    expect(loadServiceConfig({ PAPERLINE_OCR_LANGUAGES: 'eng' }).ocrLanguages).toEqual(['eng']);
    expect(() => ocrLanguagesFromEnv({ PAPERLINE_OCR_LANGUAGES: 'eng,klingon' })).toThrow(EnvError);
    expect(() => loadServiceConfig({ PAPERLINE_OCR_LANGUAGES: 'de' })).toThrow(EnvError);
  });
});
