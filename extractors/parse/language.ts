/**
 * Which of the languages Paperline reads a text is in, from the words it is made of: the
 * function words every sentence has and the words every invoice prints. Pure, no I/O; used
 * by OCR (to pick Tesseract's model for a page), the classifier and the extractors.
 */
export type Language = 'en' | 'de' | 'fr' | 'nl' | 'es' | 'it';

export const LANGUAGES: readonly Language[] = ['en', 'de', 'fr', 'nl', 'es', 'it'];

/** Tesseract's traineddata name of each language. */
export const TESSERACT_CODE: Record<Language, string> = {
  en: 'eng',
  de: 'deu',
  fr: 'fra',
  nl: 'nld',
  es: 'spa',
  it: 'ita',
};

/**
 * Function words (weight 1) and invoice words (weight 2), lower case. A word several languages
 * share ("de", "la", "en") counts for each of them divided by how many, so it barely tips the
 * balance. German words are also listed as the English model reads them (ü as "u", ß as "B"
 * lower-cased, "ss"), since detection runs on that first reading.
 */
const FUNCTION_WORDS: Record<Language, string> = {
  en: 'the and of to for in on with by from is are this that you your our we be at or as no not please thank',
  de: 'der die das und den dem des ein eine einer eines ist mit von zu zum zur für fur fuer auf bei wir sie ihre ihr uns unsere nicht bitte im aus oder nach bis wird werden sind',
  fr: 'le la les et des du de un une au aux pour par sur avec est sont nous vous votre notre ce cette en à ne pas merci',
  nl: 'de het een en van voor op met is zijn te in aan wij u uw ons onze niet dit deze bij naar of als',
  es: 'el la los las y de del un una para por con en es son su sus nuestro al que no gracias',
  it: 'il lo la gli le di del della dei delle e un una per con da in è sono che non al alla nostro vostro grazie',
};

const INVOICE_WORDS: Record<Language, string> = {
  en: 'invoice amount total subtotal tax due date payment bill quantity qty price description balance receipt customer number terms vat',
  de: 'rechnung rechnungsnummer rechnungsdatum betrag gesamtbetrag mwst ust umsatzsteuer steuer netto brutto summe gesamt menge preis einzelpreis datum lieferdatum kunde kundennummer zahlbar zahlung zahlungsbedingungen bankverbindung gmbh strasse straße strabe steuernummer leistungsdatum artikel rabatt',
  fr: 'facture montant tva total ht ttc date échéance echeance paiement quantité quantite prix unitaire client numéro numero désignation designation remise règlement reglement sarl siret',
  nl: 'factuur factuurnummer factuurdatum bedrag totaal btw datum vervaldatum betaling aantal prijs omschrijving klant klantnummer korting excl incl bv',
  es: 'factura importe iva total base imponible fecha vencimiento pago cantidad precio unitario cliente número numero descripción descripcion descuento cif nif subtotal',
  it: 'fattura importo iva totale imponibile data scadenza pagamento quantità quantita prezzo cliente numero descrizione sconto partita codice fiscale spett',
};

/** Letters only one or two of the languages use: weak hints, each worth a little, capped. */
const DIACRITICS: Record<Language, RegExp> = {
  en: /(?!)/gu,
  de: /[äöüß]/gu,
  fr: /[éèêëàâçîïôœùû]/gu,
  nl: /ij|[ëï]/gu,
  es: /[ñáíóú¿¡]/gu,
  it: /[àèìòù]/gu,
};
const DIACRITIC_WEIGHT = 0.25;
const DIACRITIC_CAP = 2;

const WEIGHTS: Map<string, Map<Language, number>> = (() => {
  const lists: [Language, string, number][] = LANGUAGES.flatMap((l) => [
    [l, FUNCTION_WORDS[l], 1] as [Language, string, number],
    [l, INVOICE_WORDS[l], 2] as [Language, string, number],
  ]);
  const raw = new Map<string, Map<Language, number>>();
  for (const [lang, words, weight] of lists) {
    for (const w of words.split(' ')) {
      const m = raw.get(w) ?? new Map<Language, number>();
      m.set(lang, Math.max(m.get(lang) ?? 0, weight));
      raw.set(w, m);
    }
  }
  for (const m of raw.values()) for (const [l, w] of m) m.set(l, w / m.size);
  return raw;
})();

/** Fewer words than this and a text says too little to tell its language. */
const MIN_WORDS = 4;
/** The leader needs at least this much evidence… */
const MIN_SCORE = 3;
/** …and this many times the runner-up's. */
const MIN_LEAD = 1.5;

export interface LanguageGuess {
  /** The language the text is in; null when it is too short or no language clearly leads. */
  language: Language | null;
  /** 0..1: how far the leader is ahead of the runner-up, scaled down while evidence is thin. */
  confidence: number;
  /** Each language's evidence: weighted word hits plus diacritic hints. */
  scores: Record<Language, number>;
}

export function detectLanguage(text: string): LanguageGuess {
  const lower = text.toLowerCase();
  const scores = Object.fromEntries(LANGUAGES.map((l) => [l, 0])) as Record<Language, number>;
  // Letters only: "Betrag:", "MwSt." and "(TVA)" are words; "19%" and "1.234,50" are not.
  const tokens = lower.match(/\p{L}+/gu) ?? [];
  let words = 0;
  for (const t of tokens) {
    if (t.length >= 2 || t === 'e' || t === 'y' || t === 'à' || t === 'è' || t === 'u') words++;
    const hit = WEIGHTS.get(t);
    if (hit) for (const [l, w] of hit) scores[l] += w;
  }
  for (const l of LANGUAGES) {
    const n = lower.match(DIACRITICS[l])?.length ?? 0;
    scores[l] += Math.min(DIACRITIC_CAP, n * DIACRITIC_WEIGHT);
  }
  for (const l of LANGUAGES) scores[l] = Math.round(scores[l] * 1000) / 1000;
  // Ties broken by the fixed order of LANGUAGES, so the answer never depends on anything else.
  const ranked = [...LANGUAGES].sort((a, b) => scores[b] - scores[a]);
  const best = scores[ranked[0]!];
  const second = scores[ranked[1]!];
  if (words < MIN_WORDS || best < MIN_SCORE || best < MIN_LEAD * second) {
    return { language: null, confidence: 0, scores };
  }
  const margin = (best - second) / best;
  const evidence = Math.min(1, best / (4 * MIN_SCORE));
  return { language: ranked[0]!, confidence: Math.round(margin * evidence * 1000) / 1000, scores };
}
