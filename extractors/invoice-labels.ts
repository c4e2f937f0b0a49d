import { ISO_4217 } from './parse/currency.ts';
import { normalise } from './parse/text.ts';

/**
 * What invoices print, per language, for each thing the invoice extractor looks for. Written
 * as the words are printed; matching goes through `normalise` (case and accents folded,
 * punctuation to spaces), so "N° de facture" and "USt.-Id.-Nr." need no spelling variants.
 * English comes first in every merged list: byLabel prefers earlier labels.
 */
type Language = 'en' | 'de' | 'fr' | 'nl' | 'es' | 'it';
type Terms = Partial<Record<Language, string[]>>;

export const INVOICE_TERMS = {
  /** The document's title. */
  title: {
    en: ['invoice', 'tax invoice', 'credit note', 'commercial invoice'],
    de: [
      'rechnung',
      'handelsrechnung',
      'gutschrift',
      'rechnungskorrektur',
      'teilrechnung',
      'schlussrechnung',
    ],
    fr: ['facture', 'avoir', 'facture d acompte'],
    nl: ['factuur', 'creditnota', 'creditfactuur'],
    es: ['factura', 'factura rectificativa', 'nota de credito'],
    it: ['fattura', 'nota di credito', 'fattura elettronica'],
  },
  number: {
    en: [
      'invoice no',
      'invoice number',
      'invoice #',
      'invoice num',
      'inv no',
      'inv #',
      'bill no',
      'credit note no',
      'invoice',
    ],
    de: [
      'rechnungsnummer',
      'rechnungs nr',
      'rechnungsnr',
      'rechnung nr',
      'handelsrechnung nr',
      'gutschrift nr',
      'gutschriftsnummer',
      'belegnummer',
      'beleg nr',
      'handelsrechnung',
      'rechnungskorrektur',
      'gutschrift',
      'rechnung',
    ],
    fr: [
      'numero de facture',
      'n de facture',
      'no de facture',
      'facture n',
      'facture no',
      'avoir n',
      'facture',
      'avoir',
    ],
    nl: ['factuurnummer', 'factuurnr', 'factuur nr', 'creditnota nr', 'factuur'],
    es: ['numero de factura', 'n de factura', 'no de factura', 'factura n', 'factura no', 'factura'],
    it: ['numero fattura', 'numero documento', 'fattura n', 'n fattura', 'fattura nr', 'fattura'],
  },
  numberExclude: {
    en: ['invoice date', 'invoice to', 'invoice total', 'tax invoice', 'invoice amount'],
    de: [
      'rechnungsdatum',
      'rechnungsbetrag',
      'rechnungssumme',
      'rechnungsempfanger',
      'rechnungsadresse',
      'rechnung gemass',
      'rechnungsanschrift',
    ],
    fr: [
      'date de facture',
      'date de facturation',
      'adresse de facturation',
      'facture a regler',
      'facture acquittee',
    ],
    nl: ['factuurdatum', 'factuuradres', 'factuurbedrag'],
    es: ['fecha de factura', 'importe factura', 'total factura', 'direccion de facturacion'],
    it: ['data fattura', 'totale fattura', 'importo fattura'],
  },
  date: {
    en: ['invoice date', 'date of issue', 'issue date', 'issued', 'dated', 'inv date', 'tax point', 'date'],
    de: ['rechnungsdatum', 'belegdatum', 'ausstellungsdatum', 'datum'],
    fr: ['date de facture', 'date de facturation', 'date d emission', 'date'],
    nl: ['factuurdatum', 'datum'],
    es: ['fecha de factura', 'fecha de emision', 'fecha factura', 'fecha'],
    it: ['data fattura', 'data documento', 'data emissione', 'data'],
  },
  dateExclude: {
    en: ['due date', 'payment due', 'due', 'delivery date', 'order date', 'date of supply'],
    de: [
      'liefer und leistungsdatum',
      'leistungsdatum',
      'lieferdatum',
      'falligkeitsdatum',
      'bestellung vom',
      'bestelldatum',
      'auftrag vom',
      'lieferschein vom',
    ],
    fr: ['date d echeance', 'date de livraison', 'date de commande', 'commande du'],
    nl: ['vervaldatum', 'leverdatum', 'besteldatum'],
    es: ['fecha de vencimiento', 'fecha de entrega', 'fecha de pedido'],
    it: ['data di scadenza', 'data consegna', 'data ordine'],
  },
  due: {
    en: ['due date', 'payment due', 'payment due date', 'due', 'pay by'],
    de: ['falligkeitsdatum', 'fallig am', 'zahlbar bis', 'zahlungsziel'],
    fr: ['date d echeance', 'echeance', 'a payer avant le'],
    nl: ['vervaldatum', 'te betalen voor'],
    es: ['fecha de vencimiento', 'vencimiento'],
    it: ['data di scadenza', 'scadenza'],
  },
  dueExclude: {
    en: ['total due', 'amount due', 'balance due', 'due on receipt'],
  },
  subtotal: {
    en: [
      'subtotal',
      'sub total',
      'sub-total',
      'net amount',
      'net total',
      'total excl tax',
      'total excl',
      'goods total',
      'total before tax',
    ],
    de: [
      'rechnungssumme ohne ust',
      'summe ohne ust',
      'gesamtbetrag netto',
      'summe netto',
      'nettosumme',
      'nettobetrag',
      'zwischensumme',
      'netto',
    ],
    fr: ['total ht', 'montant ht', 'total hors taxes', 'sous total', 'total net ht'],
    nl: ['subtotaal', 'totaal excl btw', 'totaal exclusief btw', 'netto bedrag'],
    es: ['base imponible', 'subtotal', 'importe neto'],
    it: ['totale imponibile', 'imponibile', 'totale netto'],
  },
  tax: {
    en: [
      'sales tax',
      'tax',
      'vat',
      'plus vat',
      'gst',
      'hst',
      'gst/hst',
      'sst',
      'service tax',
      'total gst',
      'total tax',
      'total vat',
    ],
    de: [
      'steuerbetrag',
      'ust betrag',
      'mwst betrag',
      'summe ust',
      'umsatzsteuer',
      'mehrwertsteuer',
      'mwst',
      'ust',
    ],
    fr: ['total taxes', 'total tva', 'montant tva', 'tva'],
    nl: ['totaal btw', 'btw bedrag', 'btw'],
    es: ['total iva', 'cuota iva', 'importe iva', 'iva'],
    it: ['totale iva', 'imposta', 'iva'],
  },
  taxExclude: {
    en: [
      'vat reg',
      'vat reg no',
      'vat no',
      'vat id',
      'vat number',
      'gst reg',
      'gst reg no',
      'gst/hst no',
      'sst reg',
      'sst reg no',
      'tax id',
      'tax invoice',
      'total excl tax',
      'excl tax',
      'total excl',
    ],
    de: [
      'ust id',
      'ust id nr',
      'ust idnr',
      'umsatzsteueraufschlusselung',
      'steuernummer',
      'steuer nr',
      'steuersatz',
      'ohne ust',
    ],
    fr: ['n tva', 'no tva', 'tva intracommunautaire', 'numero de tva', 'tva intracom', 'n tva client'],
    nl: ['btw nummer', 'btw nr', 'btw id', 'excl btw'],
    es: ['nif', 'cif', 'n iva'],
    it: ['partita iva', 'p iva', 'codice fiscale'],
  },
  /** Labels of the grand total, tax included; the amount after prepayments is not it. */
  total: {
    en: ['grand total', 'invoice total', 'total amount'],
    de: [
      'bruttosumme',
      'gesamtbetrag brutto',
      'rechnungsbetrag',
      'summe brutto',
      'gesamtsumme',
      'endbetrag',
      'gesamtbetrag',
      'bruttobetrag',
    ],
    fr: ['total ttc', 'montant ttc', 'montant total', 'total a payer', 'net a payer'],
    nl: ['totaal incl btw', 'totaalbedrag', 'te betalen', 'totaal'],
    es: ['total factura', 'importe total', 'total a pagar'],
    it: ['totale fattura', 'totale documento', 'totale da pagare', 'totale'],
  },
  totalExclude: {
    de: ['gesamtbetrag der', 'gesamtbetrag netto', 'summe netto', 'zahlbetrag'],
    fr: ['total ht', 'total taxes', 'total tva', 'montant ht', 'total hors taxes'],
    nl: ['totaal excl btw', 'totaal btw'],
    es: ['total iva'],
    it: ['totale iva', 'totale imponibile'],
  },
  /** Headings of the issuer's block. */
  seller: {
    en: ['from', 'supplier', 'vendor', 'seller', 'issued by', 'sold by'],
    de: ['verkaufer', 'lieferant', 'rechnungssteller', 'leistungserbringer', 'absender'],
    fr: ['vendeur', 'fournisseur', 'emetteur'],
    nl: ['leverancier', 'verkoper', 'afzender'],
    es: ['vendedor', 'proveedor', 'emisor'],
    it: ['fornitore', 'venditore', 'cedente prestatore', 'cedente'],
  },
  /** Headings of the buyer's block: never the vendor. */
  buyer: {
    en: [
      'bill to',
      'billed to',
      'invoice to',
      'sold to',
      'ship to',
      'customer',
      'client',
      'buyer',
      'billing address',
      'shipping address',
      'delivery address',
    ],
    de: [
      'kaufer',
      'kaufer/leistungsempfanger',
      'leistungsempfanger',
      'rechnungsempfanger',
      'rechnungsadresse',
      'lieferadresse',
      'kunde',
      'lieferanschrift',
    ],
    fr: ['client', 'acheteur', 'adresse de facturation', 'adresse de livraison', 'facture a', 'livre a'],
    nl: ['klant', 'koper', 'factuuradres', 'afleveradres'],
    es: ['cliente', 'comprador', 'facturar a', 'direccion de envio'],
    it: ['cliente', 'committente', 'cessionario', 'destinatario', 'cessionario committente'],
  },
  /** A labelled name inside a party block ("Name: Lieferant GmbH"). */
  partyName: {
    en: ['name', 'company', 'company name'],
    de: ['name', 'firma', 'firmenname'],
    fr: ['nom', 'raison sociale', 'societe'],
    nl: ['naam', 'bedrijfsnaam'],
    es: ['nombre', 'razon social', 'empresa'],
    it: ['nome', 'ragione sociale', 'denominazione'],
  },
} satisfies Record<string, Terms>;

export type InvoiceConcept = keyof typeof INVOICE_TERMS;

const LANGUAGE_ORDER: Language[] = ['en', 'de', 'fr', 'nl', 'es', 'it'];

/**
 * One-word labels that also head or sit beside other things ("Date", "Datum", "Rechnung",
 * "TVA"): byLabel tries them only after every language's specific labels, so an English "Date"
 * column does not win over a French "Date de facture".
 */
const GENERIC = new Set([
  'date',
  'datum',
  'fecha',
  'data',
  'invoice',
  'rechnung',
  'gutschrift',
  'facture',
  'avoir',
  'factuur',
  'factura',
  'fattura',
  'tax',
  'vat',
  'ust',
  'mwst',
  'tva',
  'btw',
  'iva',
  'netto',
  'totaal',
  'totale',
  'due',
  'echeance',
  'vencimiento',
  'scadenza',
]);

/**
 * The word that joins an invoice's title and number to its date on the title row
 * ("Rechnung Nr. 471102 vom 05.03.2018", "Facture n° 12 du 03/04/2024", "Invoice 42 dated
 * 1 May 2024", "Factura 7 del 2 de mayo"). Kept out of INVOICE_TERMS: on their own these are
 * everyday words, never labels or headings.
 */
export const TITLE_DATE_CONNECTORS: Record<Language, string[]> = {
  en: ['dated', 'of'],
  de: ['vom'],
  fr: ['du'],
  nl: ['van'],
  es: ['del', 'de'],
  it: ['del'],
};

/**
 * Payment terms written as a sentence ("Zahlbar innerhalb 30 Tagen netto bis 04.04.2020",
 * "Payable by 5 May 2024", "A payer avant le 03/06/2024") give the due date after their
 * joining word. Normalised, as `normalise` leaves them; a discount word before the date makes
 * it the discount's ("3% Skonto innerhalb 10 Tagen bis 15.03.2020"), not the due date.
 */
export const PAYMENT_TERMS: Record<'pay' | 'until' | 'discount', Record<Language, string[]>> = {
  pay: {
    en: ['payable', 'pay', 'payment', 'remit', 'transfer'],
    de: ['zahlbar', 'zahlen', 'bezahlen', 'zahlung', 'uberweisen', 'begleichen', 'fallig'],
    fr: ['payable', 'payer', 'paiement', 'reglement', 'regler', 'virement'],
    nl: ['betalen', 'betaalbaar', 'betaling', 'voldoen', 'overmaken'],
    es: ['pagadero', 'pagar', 'pago', 'abonar'],
    it: ['pagabile', 'pagare', 'pagamento', 'saldare'],
  },
  until: {
    en: ['by', 'before', 'until', 'no later than'],
    de: ['bis', 'bis zum', 'bis spatestens', 'spatestens am', 'spatestens bis'],
    fr: ['avant le', 'au plus tard le', 'jusqu au'],
    nl: ['voor', 'uiterlijk', 'uiterlijk op'],
    es: ['antes del', 'antes de', 'hasta el'],
    it: ['entro il', 'entro', 'prima del'],
  },
  discount: {
    en: ['discount'],
    de: ['skonto', 'abzug'],
    fr: ['escompte', 'remise'],
    nl: ['korting'],
    es: ['descuento', 'pronto'],
    it: ['sconto'],
  },
};

/**
 * Every language's labels for one concept, each once: the specific ones first (English, then
 * the others), then the generic one-word ones; `which` picks one of the two groups.
 */
export function labelsFor(concept: InvoiceConcept, which: 'all' | 'specific' | 'generic' = 'all'): string[] {
  const terms: Terms = INVOICE_TERMS[concept];
  const all = [...new Set(LANGUAGE_ORDER.flatMap((l) => terms[l] ?? []))];
  const specific = all.filter((t) => !GENERIC.has(t));
  const generic = all.filter((t) => GENERIC.has(t));
  return which === 'specific' ? specific : which === 'generic' ? generic : [...specific, ...generic];
}

/** Headings and field labels of invoices in any of the languages, normalised. */
const LABEL_WORDS = new Set(
  (Object.keys(INVOICE_TERMS) as InvoiceConcept[]).flatMap((c) => labelsFor(c).map(normalise)),
);
const EXTRA_HEADINGS = [
  'number',
  'nummer',
  'numero',
  'nr',
  'no',
  'description',
  'details',
  'hotel details',
  'payment details',
  'bank details',
  'web services',
  'services',
  'items',
  'quantity',
  'amount',
  'unit price',
  'page',
  'notes',
  'remarks',
  'bemerkungen',
  'positionsdaten',
  'zahlungsbedingungen',
  'belegsummen',
  'conditions de paiement',
  'notes',
  'reglement',
].map(normalise);

/**
 * Whether a text is a label or a heading rather than a value: a known label word in any of the
 * languages, a known column or section title, or anything ending in a colon. A vendor name
 * that is one of these was taken from the wrong line.
 */
export function isLabelOrHeading(text: string): boolean {
  if (/:\s*$/.test(text)) return true;
  // A currency code is a column's value, not a company ("EUR").
  if (ISO_4217.has(text.trim())) return true;
  const n = normalise(text);
  if (n === '') return true;
  return LABEL_WORDS.has(n) || EXTRA_HEADINGS.includes(n);
}
