import { buildView } from '../extractors/layout.ts';
import { containsPhrase, normalise, withoutPhrase } from '../extractors/parse/text.ts';
import { unionBox } from '../pipeline/layout.ts';
import type { DocType } from '../schemas/common.ts';
import type { ReadResult } from '../schemas/read.ts';
import type { ClassificationResult, Classifier } from './classifier.ts';

export interface Keyword {
  phrase: string;
  weight: number;
  /** Counts half again when printed near the top of the first page, where titles are. */
  title?: boolean;
  /** Longer phrases that contain this one but belong to another type ("wage and tax statement"). */
  unless?: string[];
}

const k = (phrase: string, weight: number, more: Omit<Keyword, 'phrase' | 'weight'> = {}): Keyword => ({
  phrase,
  weight,
  ...more,
});

/** Evidence per type: words a person would look for first, weighted by how much they give away. */
export const KEYWORDS: Record<DocType, Keyword[]> = {
  invoice: [
    k('invoice', 2.5, {
      title: true,
      unless: ['tax invoice', 'simplified tax invoice', 'invoice no', 'invoice #'],
    }),
    k('tax invoice', 1, { title: true, unless: ['simplified tax invoice'] }),
    k('bill to', 3),
    k('billed to', 3),
    k('invoice to', 3),
    k('sold to', 2.5),
    k('ship to', 2),
    k('invoice no', 2),
    k('invoice number', 2.5),
    k('invoice #', 2),
    k('invoice date', 2.5),
    k('due date', 2, { unless: ['payment due date'] }),
    k('payment due', 2),
    k('payment terms', 2),
    k('terms', 1, { unless: ['payment terms'] }),
    k('po number', 1.5),
    k('purchase order', 1.5),
    k('remit to', 2),
    k('please pay to', 2),
    k('unit price', 1),
    k('balance due', 1),
    k('vat reg', 1),
    // The same evidence in German, French, Dutch, Spanish and Italian (extractors/invoice-labels.ts).
    k('rechnung', 2.5, { title: true, unless: ['rechnung gemass'] }),
    k('handelsrechnung', 3, { title: true }),
    k('rechnungskorrektur', 2.5, { title: true }),
    k('gutschrift', 2, { title: true }),
    k('facture', 2.5, { title: true, unless: ['adresse de facturation', 'facture a regler'] }),
    k('avoir', 1.5, { title: true }),
    k('factuur', 2.5, { title: true }),
    k('factura', 2.5, { title: true }),
    k('fattura', 2.5, { title: true }),
    k('rechnungsnummer', 2.5),
    k('rechnungsdatum', 2.5),
    k('numero de facture', 2.5),
    k('date de facture', 2.5),
    k('factuurnummer', 2.5),
    k('factuurdatum', 2.5),
    k('numero de factura', 2.5),
    k('fecha de factura', 2.5),
    k('numero fattura', 2.5),
    k('data fattura', 2.5),
    k('verkaufer', 2),
    k('rechnungsempfanger', 2),
    k('leistungsempfanger', 1.5),
    k('zahlungsbedingungen', 2),
    k('conditions de paiement', 2),
    k('betalingsvoorwaarden', 2),
    k('condiciones de pago', 2),
    k('condizioni di pagamento', 2),
    k('falligkeit', 1.5),
    k('date d echeance', 2),
    k('vervaldatum', 2),
    k('fecha de vencimiento', 2),
    k('data di scadenza', 2),
    k('ust id', 1.5),
    k('umsatzsteuer', 1.5),
    k('bruttosumme', 2),
    k('nettobetrag', 1.5),
    k('total ttc', 2),
    k('total ht', 2),
    k('totaal excl btw', 2),
    k('base imponible', 2),
    k('imponibile', 2),
    k('iban', 1),
  ],
  receipt: [
    k('receipt', 3, { title: true, unless: ['date of receipt', 'within 7 days with receipt'] }),
    k('cash bill', 3, { title: true }),
    k('simplified tax invoice', 3, { title: true }),
    k('cashier', 2.5),
    k('cash', 1.5, { unless: ['cash bill', 'cashier'] }),
    k('change', 2, { unless: ['exchange'] }),
    k('change due', 1),
    k('tendered', 2),
    k('rounding', 2),
    k('thank you', 1.5),
    k('come again', 2),
    k('goods sold', 2),
    k('not returnable', 1.5),
    k('sdn bhd', 1),
    k('gst', 1, { unless: ['gst/hst'] }),
    k('total qty', 1.5),
    k('item count', 1.5),
    k('table', 1),
    k('auth code', 1.5),
    k('served by', 1.5),
    k('visa', 1),
    k('mastercard', 1),
    k('eftpos', 1),
    k('order', 0.5, { unless: ['purchase order', 'order no'] }),
    k('kassenbon', 3, { title: true }),
    k('kassenbeleg', 3, { title: true }),
    k('quittung', 2.5, { title: true }),
    k('ruckgeld', 2),
    k('ticket de caisse', 3, { title: true }),
    k('rendu', 1.5),
    k('kassabon', 3, { title: true }),
    k('wisselgeld', 2),
    k('ticket', 1.5, { title: true }),
    k('recibo', 2.5, { title: true }),
    k('scontrino', 3, { title: true }),
    k('resto', 1.5),
  ],
  payslip: [
    k('payslip', 4, { title: true }),
    k('pay slip', 4, { title: true }),
    k('salary slip', 4, { title: true }),
    k('pay advice', 3.5, { title: true }),
    k('payroll advice', 3.5, { title: true }),
    k('earnings statement', 3.5, { title: true }),
    k('pay statement', 3.5, { title: true }),
    k('earnings', 2, { unless: ['earnings statement'] }),
    k('deductions', 2),
    k('net pay', 3),
    k('gross pay', 2.5),
    k('take home pay', 2.5),
    k('net salary', 2.5),
    k('basic salary', 2),
    k('pay period', 2.5),
    k('period beginning', 2),
    k('period ending', 2),
    k('pay date', 2),
    k('year to date', 1.5),
    k('ytd', 1),
    k('employee id', 2),
    k('employee no', 2),
    k('employee name', 1.5),
    k('national insurance', 1.5),
    k('epf', 1),
    k('paye', 1),
    k('this period', 1.5),
  ],
  wage_statement: [
    k('w-2', 5, { title: true }),
    k('form w-2', 2),
    k('wage and tax statement', 6, { title: true }),
    k('employer identification number', 4),
    k('employer id number', 3),
    k('wages, tips, other compensation', 4),
    k('federal income tax withheld', 3),
    k('social security wages', 3),
    k('social security tax withheld', 3),
    k('medicare wages and tips', 3),
    k('medicare tax withheld', 3),
    k("employee's social security number", 3),
    k('internal revenue service', 2),
    k('department of the treasury', 2),
    k('control number', 1.5),
    k('dependent care benefits', 2),
    k('nonqualified plans', 2),
    k('copy b', 1.5),
  ],
  claim_form: [
    k('claim form', 5, { title: true }),
    k('claimant', 3),
    k('policy number', 3),
    k('policy no', 2.5),
    k('date of loss', 3),
    k('date of incident', 3),
    k('date of accident', 3),
    k('incident date', 2.5),
    k('description of loss', 2.5),
    k('description of incident', 2.5),
    k('amount claimed', 3),
    k('total claimed', 3),
    k('claim amount', 3),
    k('claim', 1.5, { unless: ['claim form', 'claim amount', 'claimant'] }),
    k('policyholder', 2),
    k('insured', 1),
    k('signature of claimant', 2),
    k('declaration', 1.5),
  ],
  medical_bill: [
    k('patient', 3, { unless: ['patient responsibility'] }),
    k('date of service', 3),
    k('service date', 2),
    k('provider', 2),
    k('insurance paid', 3),
    k('insurance payment', 2.5),
    k('insurance adjustment', 2.5),
    k('patient responsibility', 3),
    k('total charges', 2.5),
    k('statement', 1.5, {
      title: true,
      unless: ['earnings statement', 'pay statement', 'wage and tax statement', 'statement of account'],
    }),
    k('statement date', 1.5),
    k('guarantor', 2),
    k('cpt', 1.5),
    k('procedure', 1.5),
    k('diagnosis', 1.5),
    k('amount due', 1),
    k('medical', 1),
    k('hospital', 1.5),
    k('clinic', 1.5),
    k('medical center', 1.5),
    k('patient statement', 3, { title: true }),
    k('itemized bill', 3, { title: true }),
    k('itemised bill', 3, { title: true }),
    k('medical bill', 3, { title: true }),
    k('patient balance', 2.5),
    k('patient account', 2),
    k('patient id', 2),
    k('visit date', 2),
    k('gross charges', 2),
    k('total billed', 2),
    k('plan paid', 2),
    k('less insurance', 2),
    k('primary insurance', 2),
    k('unit charge', 1.5),
    k('amount enclosed', 1.5),
  ],
};

/** Layout evidence: a page at least this many times taller than wide is a till roll. Default 1.8. */
const TILL_ROLL_RATIO = 1.8;
/** A digital page narrower than this many inches is a till roll. */
const TILL_ROLL_INCHES = 4;

export interface KeywordClassifierOptions {
  /** Evidence below this total weight means 'unknown'. Default 4. */
  minScore?: number;
  /** Rows from the top of page 1 that count as the title area. Default 6. */
  titleRows?: number;
  /** The keyword table; default KEYWORDS. */
  keywords?: Record<DocType, Keyword[]>;
}

/**
 * Scores each type by the keywords its documents print, each counted once, tolerating OCR
 * noise (one edit in longer words, dropped spaces). Confidence grows with the evidence and
 * with the margin over the runner-up; weak evidence (a letter, a memo) is 'unknown'.
 */
export function keywordClassifier(opts: KeywordClassifierOptions = {}): Classifier {
  const minScore = opts.minScore ?? 4;
  const titleRows = opts.titleRows ?? 6;
  const table = opts.keywords ?? KEYWORDS;
  return {
    name: 'keywords',
    classify(read: ReadResult): ClassificationResult {
      const rows = buildView(read).rows.map((r, i) => ({
        norm: normalise(r.text),
        title: r.page === 1 && i < titleRows,
      }));
      const scores: { type: DocType; score: number; evidence: string[] }[] = [];
      for (const type of Object.keys(table) as DocType[]) {
        let score = 0;
        const evidence: string[] = [];
        for (const kw of table[type]) {
          const phrase = normalise(kw.phrase);
          const unless = (kw.unless ?? []).map(normalise);
          const hits = rows.filter((r) => {
            let text = r.norm;
            for (const u of unless) text = withoutPhrase(text, u);
            return containsPhrase(text, phrase);
          });
          if (hits.length === 0) continue;
          const w = kw.weight * (kw.title && hits.some((h) => h.title) ? 1.5 : 1);
          score += w;
          evidence.push(`${type}: "${kw.phrase}" +${w}`);
        }
        if (type === 'receipt' && tillRoll(read)) {
          score += 2;
          evidence.push('receipt: narrow till-roll page +2');
        }
        scores.push({ type, score, evidence });
      }
      scores.sort((a, b) => b.score - a.score);
      const [first, second] = scores;
      if (!first || first.score < minScore) {
        const s = first?.score ?? 0;
        return {
          docType: 'unknown',
          confidence: Math.round((1 - s / (2 * minScore)) * 1000) / 1000,
          evidence:
            first && first.score > 0
              ? [`weak evidence: best ${first.type} ${s}`, ...first.evidence]
              : ['no keywords found'],
        };
      }
      const strength = 1 - Math.exp(-first.score / 6);
      const margin = (first.score - (second?.score ?? 0)) / first.score;
      const confidence = Math.round(strength * (0.45 + 0.55 * margin) * 1000) / 1000;
      return { docType: first.type, confidence, evidence: first.evidence };
    },
  };
}

/** Whether the first page's text sits in a tall narrow column, as till rolls print. */
function tillRoll(read: ReadResult): boolean {
  const page = read.pages[0];
  if (!page) return false;
  const boxes = page.lines.map((l) => l.box);
  if (boxes.length < 5) return false;
  const text = unionBox(boxes);
  const width = text.x1 - text.x0;
  const height = text.y1 - text.y0;
  const pageRatio = page.height / Math.max(1, page.width);
  // Till paper is 58 or 80 mm wide; no office paper is narrower than 4 inches.
  const narrow = page.source === 'text-layer' && page.width / page.dpi < TILL_ROLL_INCHES;
  return narrow || height / Math.max(1, width) >= TILL_ROLL_RATIO || pageRatio >= TILL_ROLL_RATIO;
}
