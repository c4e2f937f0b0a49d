import { KEYWORDS } from '../classifiers/keyword.classifier.ts';
import { containsPhrase, normalise } from '../extractors/parse/text.ts';
import type { PageRead, ReadResult } from '../schemas/read.ts';

/**
 * Where the documents of a multi-document scan start, decided from what is printed on each page
 * (no barcodes, no separator sheets). Every page after the first gets a boundary score: signals
 * that a new document starts add to it, signals that the page continues the previous one take
 * away. A page whose score reaches the threshold starts a new group.
 *
 * Continuation evidence is weighted more heavily than start evidence on purpose: splitting a
 * single multi-page invoice is the expensive mistake (two half-documents, both wrong), while a
 * missed split still ends in review as one document with too many pages.
 */

export interface SplitSignal {
  name: SignalName;
  weight: number;
  /** The text that fired it, for the reviewer. */
  text: string;
}

export type SignalName =
  | 'page-number-restart'
  | 'page-number-continues'
  | 'title-at-top'
  | 'new-document-number'
  | 'same-document-number'
  | 'new-letterhead'
  | 'continuation-header'
  | 'previous-page-has-totals'
  | 'no-header';

export interface SplitBoundary {
  /** 0-based index of the page that starts the new document. */
  pageIndex: number;
  score: number;
  /** 0.5 at the threshold, towards 1 the clearer the decision. */
  confidence: number;
  signals: SplitSignal[];
}

export interface SplitGroup {
  /** 0-based page indexes, in order. */
  pages: number[];
  /** How sure the boundary that starts this group is (1 for the first group). */
  confidence: number;
  signals: SplitSignal[];
}

export interface SplitResult {
  groups: SplitGroup[];
  /** The decision for every page after the first, also the ones that did not split. */
  boundaries: SplitBoundary[];
  /** The least confident decision, split or not; below the review bar it is a review reason. */
  confidence: number;
}

export interface SplitOptions {
  /** Score a page needs to start a new document. */
  threshold?: number;
}

export const DEFAULT_SPLIT_THRESHOLD = 3;

/** Page "k of n" in the languages the classifiers know, and a bare "k/n" near the page's edge. */
const PAGE_OF = [
  /\b(?:page|seite|pagina|blatt|bladzijde|pag|p)\.?\s*(\d{1,3})\s*(?:of|von|de|di|sur|van|\/)\s*(\d{1,3})\b/i,
  /\b(?:page|seite|pagina|blatt|pag)\.?\s*(\d{1,3})\b/i,
];
const BARE_PAGE_OF = /^\s*(?:-\s*)?(\d{1,3})\s*\/\s*(\d{1,3})(?:\s*-)?\s*$/;

const CONTINUATION = [
  'continued',
  'continuation',
  'carried forward',
  'brought forward',
  'fortsetzung',
  'ubertrag',
  'suite',
  'vervolg',
  'continuacion',
  'segue',
  'continua',
];

const TOTALS = [
  'total',
  'grand total',
  'amount due',
  'balance due',
  'gesamtbetrag',
  'rechnungsbetrag',
  'summe',
  'zu zahlen',
  'total ttc',
  'net a payer',
  'totaal',
  'importe total',
  'totale',
];

/** A document's own number after a label in the languages the extractors read. */
const DOC_NUMBER =
  /\b(?:invoice|receipt|rechnung|beleg|facture|factuur|factura|fattura|bill|statement|quittung|bon)\s*(?:no|nr|number|nummer|num|numero|n°|#)?\s*[.:#°]*\s*([A-Z0-9][A-Z0-9\-/.]{2,})/i;
const DOC_NUMBER_LABEL =
  /\b(?:invoice\s*(?:no|number|#)|rechnungs?-?\s*(?:nr|nummer)|num[eé]ro\s*de\s*facture|factuurnummer|n[uú]mero\s*de\s*factura|numero\s*fattura|receipt\s*(?:no|number|#)|beleg\s*(?:nr|nummer))\s*[.:#°]*\s*([A-Z0-9][A-Z0-9\-/.]{2,})/i;

const TITLE_PHRASES: string[] = [
  ...new Set(
    Object.values(KEYWORDS)
      .flat()
      .filter((k) => k.title)
      .map((k) => normalise(k.phrase)),
  ),
];

const CONTACT = /\b(?:tel|phone|fax|telefon|email|e-mail|www)\b|@|\babn\b|ust-?id/i;

const TITLE_THEN_NUMBER = (phrase: string) =>
  new RegExp(`^${phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} (?:nr|no|n|number|nummer|numero|#|\\d)`);

const TOP_SHARE = 0.25;
const TOTALS_FROM = 0.35;

function linesIn(page: PageRead, from: number, to: number) {
  return page.lines.filter((l) => {
    const mid = (l.box.y0 + l.box.y1) / 2 / page.height;
    return mid >= from && mid <= to;
  });
}

interface PageFacts {
  pageOf: { k: number; n: number; text: string } | null;
  title: string | null;
  docNumber: string | null;
  /** The top lines' words, for telling one letterhead from another. */
  letterhead: Set<string>;
  contact: boolean;
  continuation: string | null;
  totals: string | null;
  firstLineTop: number;
}

function pageOf(page: PageRead): PageFacts['pageOf'] {
  for (const line of page.lines) {
    const m = PAGE_OF[0]?.exec(line.text);
    if (m?.[1] && m[2]) return { k: Number(m[1]), n: Number(m[2]), text: line.text };
  }
  for (const line of [...linesIn(page, 0, 0.12), ...linesIn(page, 0.88, 1)]) {
    const m = BARE_PAGE_OF.exec(line.text);
    if (m && Number(m[1]) <= Number(m[2])) return { k: Number(m[1]), n: Number(m[2]), text: line.text };
  }
  for (const line of [...linesIn(page, 0, 0.12), ...linesIn(page, 0.88, 1)]) {
    const m = PAGE_OF[1]?.exec(line.text);
    if (m?.[1]) return { k: Number(m[1]), n: 0, text: line.text };
  }
  return null;
}

function factsOf(page: PageRead): PageFacts {
  const top = linesIn(page, 0, TOP_SHARE);
  let title: string | null = null;
  for (const line of top) {
    const text = normalise(line.text);
    // A title is a short line: "Invoice", "Rechnung Nr. 123"; a sentence mentioning an invoice is not one.
    if (text.split(' ').length > 8) continue;
    // A title starts or ends its line ('Invoice', 'Acme Ltd INVOICE', 'Rechnung Nr. 12'); the word
    // inside a sentence ('in Rechnung zu stellen') is not one.
    if (TITLE_PHRASES.some((p) => text === p || text.endsWith(` ${p}`) || TITLE_THEN_NUMBER(p).test(text))) {
      title = line.text;
      break;
    }
  }
  let docNumber: string | null = null;
  for (const line of page.lines) {
    const m = DOC_NUMBER_LABEL.exec(line.text) ?? (top.includes(line) ? DOC_NUMBER.exec(line.text) : null);
    if (m?.[1] && /\d/.test(m[1])) {
      docNumber = m[1].replace(/[.\-/]+$/, '').toUpperCase();
      break;
    }
  }
  // A vendor block gives a way to reach the vendor; a table row at the top of a continuation page does not.
  const contact = top.some((l) => CONTACT.test(l.text));
  const letterhead = new Set(
    top
      .slice(0, 4)
      .flatMap((l) => normalise(l.text).split(' '))
      .filter((w) => w.length > 2 && !/\d/.test(w)),
  );
  const continuationLine = top.find((l) => CONTINUATION.some((c) => containsPhrase(normalise(l.text), c)));
  // A totals row carries an amount; a 'Line Total' column header does not.
  const totalsLine = linesIn(page, TOTALS_FROM, 1).find(
    (l) => /\d[.,]\d{2}\b/.test(l.text) && TOTALS.some((t) => containsPhrase(normalise(l.text), t)),
  );
  const first = page.lines[0];
  return {
    pageOf: pageOf(page),
    title,
    docNumber,
    letterhead,
    contact,
    continuation: continuationLine?.text ?? null,
    totals: totalsLine?.text ?? null,
    firstLineTop: first ? first.box.y0 / page.height : 1,
  };
}

function overlap(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const w of a) if (b.has(w)) shared++;
  return shared / Math.min(a.size, b.size);
}

function signalsFor(prev: PageFacts, cur: PageFacts, docStart: PageFacts): SplitSignal[] {
  const s: SplitSignal[] = [];
  if (cur.pageOf) {
    if (cur.pageOf.k === 1) s.push({ name: 'page-number-restart', weight: 3, text: cur.pageOf.text });
    else if (!prev.pageOf || cur.pageOf.k === prev.pageOf.k + 1)
      s.push({ name: 'page-number-continues', weight: -5, text: cur.pageOf.text });
  }
  if (cur.title) s.push({ name: 'title-at-top', weight: 1.5, text: cur.title });
  if (cur.docNumber) {
    const before = prev.docNumber ?? docStart.docNumber;
    if (before && before === cur.docNumber)
      s.push({ name: 'same-document-number', weight: -4, text: cur.docNumber });
    else if (before) s.push({ name: 'new-document-number', weight: 2, text: cur.docNumber });
  }
  // A vendor block at the top that neither the document's first page nor the previous page has.
  if (
    cur.firstLineTop < 0.15 &&
    cur.contact &&
    cur.letterhead.size >= 3 &&
    overlap(cur.letterhead, docStart.letterhead) < 0.3 &&
    overlap(cur.letterhead, prev.letterhead) < 0.3
  )
    s.push({ name: 'new-letterhead', weight: 1.5, text: [...cur.letterhead].slice(0, 6).join(' ') });
  if (cur.continuation) s.push({ name: 'continuation-header', weight: -4, text: cur.continuation });
  if (prev.totals) s.push({ name: 'previous-page-has-totals', weight: 1.5, text: prev.totals });
  if (!cur.title && !cur.docNumber && cur.firstLineTop > TOP_SHARE)
    s.push({ name: 'no-header', weight: -1, text: '' });
  return s;
}

const confidenceOf = (score: number, threshold: number) => 1 / (1 + Math.exp(-Math.abs(score - threshold)));

/** Page groups of a read file; a file with one page, or whose pages all continue, is one group. */
export function splitDocuments(read: ReadResult, options: SplitOptions = {}): SplitResult {
  const threshold = options.threshold ?? DEFAULT_SPLIT_THRESHOLD;
  const facts = read.pages.map(factsOf);
  const boundaries: SplitBoundary[] = [];
  const groups: SplitGroup[] = [];
  if (facts.length === 0) return { groups, boundaries, confidence: 1 };
  let current: SplitGroup = { pages: [0], confidence: 1, signals: [] };
  let docStart = facts[0] as PageFacts;
  for (let i = 1; i < facts.length; i++) {
    const signals = signalsFor(facts[i - 1] as PageFacts, facts[i] as PageFacts, docStart);
    const score = signals.reduce((sum, x) => sum + x.weight, 0);
    const confidence = confidenceOf(score, threshold);
    boundaries.push({ pageIndex: i, score, confidence, signals });
    if (score >= threshold) {
      groups.push(current);
      current = { pages: [i], confidence, signals };
      docStart = facts[i] as PageFacts;
    } else {
      current.pages.push(i);
    }
  }
  groups.push(current);
  const confidence = boundaries.reduce((min, b) => Math.min(min, b.confidence), 1);
  return { groups, boundaries, confidence };
}

/** Validates reviewer-given groups (1-based pages) against a file of pageCount pages. */
export function checkGroups(groups: number[][], pageCount: number): string | null {
  const seen = groups.flat();
  if (groups.some((g) => g.length === 0)) return 'every group needs at least one page';
  if (seen.some((p) => !Number.isInteger(p) || p < 1 || p > pageCount))
    return `pages are numbered 1 to ${pageCount}`;
  if (new Set(seen).size !== seen.length) return 'a page is in more than one group';
  if (seen.length !== pageCount) return `all ${pageCount} pages must be in a group`;
  return null;
}
