import { unionBox } from '../pipeline/layout.ts';
import type { Box } from '../schemas/common.ts';
import { type Candidate, FORM_WORDS } from './field.ts';
import { labelsFor } from './invoice-labels.ts';
import {
  type DocView,
  findLabels,
  type LabelHit,
  type PlacedWord,
  type Row,
  segmentEnd,
  wordsRight,
} from './layout.ts';
import { mendAddressWords } from './parse/address-words.ts';
import { findDates, monthOf } from './parse/date.ts';
import { collapse, containsPhrase, letterise, normalise } from './parse/text.ts';

/** Legal-form suffixes that mark a line as a company name; the short ambiguous ones only at the end. */
const LEGAL_SUFFIX = new RegExp(
  [
    '(?:^|\\s)(sdn\\.?\\s?bhd\\.?|sdn\\.?(?=\\s?\\S{3}\\.?$)|s\\/b|bhd\\.?|ltd\\.?|limited|llc|l\\.l\\.c\\.|inc\\.?|incorporated',
    'corp\\.?|corporation|gmbh|plc|berhad|pte\\.?\\s?ltd\\.?|pty\\.?\\s?ltd\\.?|llp|sarl|s\\.a\\.r\\.l\\.|co\\.)(?=\\s|$|[,(])',
    '\\s(ag|sa|sas|sasu|eurl|dac|vvag|e\\.k\\.|n\\.v\\.|b\\.v\\.|bv|nv|bvba|kg|ohg|ug|e\\.v\\.|a\\.g\\.|s\\.l\\.|s\\.a\\.|s\\.p\\.a\\.|spa|s\\.r\\.l\\.|srl|enterprise|trading)\\.?$',
    '(?:^|\\s)(gmbh\\s?&\\s?co\\.?\\s?kg|s\\.a\\.s\\.|s\\.l\\.u\\.)(?=\\s|$|[,(])',
  ].join('|'),
  'i',
);
/** Suffixes that are only ever a legal form, never part of a trading name ("Enterprise" can be). */
const STRONG_SUFFIX =
  /(?:^|\s)(sdn\.?\s?bhd\.?|sdn\.?(?=\s?\S{3}\.?$)|s\/b|bhd\.?|ltd\.?|limited|llc|inc\.?|corp\.?|gmbh|plc|co\.)(?=\s|$|[,(])/i;
/** Words that make a line likely a business name even without a legal suffix. */
const BUSINESS_WORD =
  /\b(enterprise|trading|hardware|restaurant|restoran|mart|market|supermarket|store|stores|shop|cafe|bistro|bakery|pharmacy|chemist|stationery|books|hotel|gallery|motor|machinery|perniagaan|syarikat|kedai|pasaraya|company|co|grocer|clinic|hospital|medical|health|healthcare|insurance|assurance|services|solutions|supplies|group|holdings|associates|partners|industries|international|electrical|kitchen|foods?|coffee|logistics|consulting|engineering|studio|works|facilities|catering|center|centre|practice|surgery|dental|laboratory|physicians)\b/i;
/** Words that start or fill an address line. */
const STREET =
  /\b(no|lot|jalan|jln|jl|lorong|taman|tmn|kawasan|street|st|road|rd|avenue|ave|boulevard|blvd|lane|ln|drive|dr|way|suite|ste|unit|floor|flr|level|block|blk|plaza|building|bldg|court|ct|place|pl|highway|hwy|square|sq|po box|rue|\w+strasse|\w+straat|\w+weg|\w+gracht|\w+plein|\w+laan|\w+kade)\b/i;
// Not "20965-V": five digits and a check letter are a company number.
const POSTCODE =
  /\b\d{5,6}(-\d{4})?\b(?!-[A-Z]\b)|\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b|\b[A-Z]\d[A-Z]\s?\d[A-Z]\d\b|\b[A-Z]{2,3}\s\d{4}\b|\b\d{4}\s[A-Z]{2}\b|\b[A-Z]\d{2}\s?[A-Z\d]{4}\b/;
const TITLE =
  /\b(tax invoice|invoice|receipt|cash bill|bill|statement|credit note|payslip|pay slip|guest check|quotation|earnings statement|pay statement|payroll advice|pay advice|salary slip|claim form)\b/i;
/** A country name ends an address; what follows is a branch name or a note. */
const COUNTRY_END =
  /\b(malaysia|singapore|usa|u\.s\.a\.?|united states|united kingdom|uk|australia|canada|new zealand|ireland|india|germany|france|netherlands)\.?$/i;
/** A company registration number such as "(867388-U)" or "JM0325955-V", alone on its line. */
const isRegNumber = (text: string) => /^\(?[A-Z]{0,4}\s?\d[\d\s]{4,}-?\s?[A-Z]?\)?$/i.test(text.trim());
/**
 * The same, printed after a name: "99 SPEED MART S/B (519537-X)"; OCR turns its brackets
 * into braces and its check letter into "#" or "L1" ("(126925-#)", "{867388-L1)").
 */
const TRAILING_REG = /\s*[({[]\s*[A-Z]{0,4}\s?\d{4,}\s?[-.]?\s?[A-Z\d#]{0,2}\s*[)}\]]\s*$/i;

const LEADING_REG = /^\s*[({[]\s*[A-Z]{0,4}\s?\d{4,}\s?[-.:]?\s?[A-Z\d#]{0,2}\s*[)}\]]+\s*(?=\S)/i;

/** A registration number printed bare after the legal form: "Banh Mi Cafe Sdn Bhd 1110644-H". */
const BARE_REG_AFTER_SUFFIX = /(\b(?:bhd|ltd|s\/b)\.?)\s+[A-Z]{0,4}\d{5,}-?[A-Z]?$/i;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const meanConfidence = (words: PlacedWord[]) => mean(words.map((w) => w.confidence));

const DIGIT_LETTER: Record<string, string> = { '0': 'O', '1': 'I', '5': 'S', '8': 'B' };

/**
 * A full stop after a long word inside a name ("UNIHAKKA INTERNATIONAL. SDN BHD"): names stop
 * short words ("CO.", "SDN.", "D.I.Y."), so one after six letters or more with the name going
 * on is a speck OCR read as a stop.
 */
function stopInsideName(name: string): string {
  return name.replace(/(\p{L}{6,})\.(?= \S)/gu, '$1');
}

/**
 * Digits OCR put for letters inside an upper-case word of a name: "MR D.1.Y.", "POPULAR BOOK
 * C0.". Only words with at least as many letters as such digits and no other digit change;
 * "99 SPEED MART" and "K3-113" stay as printed.
 */
function letterDigits(name: string): string {
  return name
    .split(' ')
    .map((w) => {
      const letters = w.replace(/[^A-Z]/g, '').length;
      const digits = w.replace(/[^0158]/g, '').length;
      if (digits === 0 || letters === 0 || letters < digits || /[a-z2-467-9]/.test(w)) return w;
      return w.replace(/[0158]/g, (d) => DIGIT_LETTER[d]!);
    })
    .join(' ');
}

/**
 * A digit OCR put for a letter in an upper-case word of an address: "JALAN 8ESAR", "BATANG
 * BERJUNTA1". Addresses mix letters and digits on purpose ("U13/BG", "K3-113", "NO1", "S6"),
 * so only a word of four or more letters with one such digit and nothing else changes.
 */
function addressLetters(address: string): string {
  return address
    .split(' ')
    .map((w) => {
      const m = /^([A-Z0158]+)([,.;:]?)$/.exec(w);
      if (!m || m[1]!.replace(/[A-Z]/g, '').length !== 1 || m[1]!.replace(/\d/g, '').length < 4) return w;
      return m[1]!.replace(/[0158]/, (d) => DIGIT_LETTER[d]!) + m[2]!;
    })
    .join(' ');
}

/** Address words that are shortened with a stop ("NO.", "JLN.", "St."), which keeps its stop. */
const ABBREVIATION =
  /^(no|nos|jln|jl|tmn|lrg|kg|kpg|bt|sg|st|rd|ave|blk|bldg|flr|lvl|mt|ft|apt|dr|ln|blvd|hwy|sq|pl|ct|opp|off)$/i;

/**
 * A stop OCR read for a comma between two parts of an address: "54. JALAN SS23/11", "TAMAN
 * SEA. 47400". Addresses separate their parts with commas and keep stops for abbreviations
 * (labels of SROIE: 289 commas between parts against 6 such stops), and thermal print makes
 * the two marks hard to tell apart. A stop after a single letter ("P.T.") or an abbreviation
 * stays, as does the last one.
 */
function stopsToCommas(address: string): string {
  // OCR's "SELATAN., 84600" and "NO.50 , JALAN": one comma, after its word.
  const marks = address.replace(/\.,/g, ',').replace(/ ,(?=\s|$)/g, ',');
  return marks.replace(/(^|\s)(\S*?[\p{L}\d])\.(?=\s[\p{L}\d])/gu, (all, lead: string, word: string) => {
    const last = word
      .split('.')
      .at(-1)!
      .replace(/^[^\p{L}\d]+/u, '');
    if (/^\p{L}?$/u.test(last) || ABBREVIATION.test(last)) return all;
    return `${lead}${word},`;
  });
}

/**
 * A business word printed letter-spaced for show, which OCR reads as letters and pieces:
 * "ENTER P R I SE" is "ENTERPRISE". Only pieces that make up a whole business word join, and
 * only with two single letters among them, so "C W KHOO" and "S H H MOTOR" stay.
 */
function joinSpacedLetters(name: string): string {
  const tokens = name.split(' ');
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    let joined = 0;
    for (let j = Math.min(tokens.length, i + 12); j >= i + 3 && !joined; j--) {
      const run = tokens.slice(i, j);
      const word = run.join('');
      if (run.filter((t) => t.length === 1).length < 2 || !/^\p{L}+$/u.test(word)) continue;
      if (BUSINESS_WORD.exec(word)?.[0].length === word.length) joined = j - i;
    }
    if (joined) {
      out.push(tokens.slice(i, i + joined).join(''));
      i += joined - 1;
    } else out.push(tokens[i]!);
  }
  return out.join(' ');
}

/**
 * "SDN BHD" (Sendirian Berhad), the legal form of most Malaysian companies, as OCR misreads
 * it: "SON BHD", "SIN EHD", "SDR BHD", "S0N BH0". The suffix is a closed form, so a near miss
 * of it is that form; the dots are kept as printed.
 */
function repairSdnBhd(name: string): string {
  return (
    name
      .replace(/\bS[DIO0][NR](\.?\s*)[BE8R]H[DO0](\.?)(?=\s|$|[,(])/gi, (m, gap: string, dot: string) => {
        const upper = m === m.toUpperCase();
        return `${upper ? 'SDN' : 'Sdn'}${gap}${upper ? 'BHD' : 'Bhd'}${dot}`;
      })
      // Its short form ends the name, where OCR reads "5/B" or "S/D".
      .replace(/(?<=\s)[S5]\/[B8D](?=\s*(?:$|[,(]))/i, (m) => (m[0] === 's' ? 's/b' : 'S/B'))
  );
}

/** A run of words on one row without a column gap: one line of one block. */
export interface Seg {
  row: Row;
  words: PlacedWord[];
  text: string;
  box: Box;
}

/** The segments of a row, left to right. */
export function segmentsOf(row: Row): Seg[] {
  return row.segments.map((start, i) => {
    const words = row.words.slice(start, row.segments[i + 1] ?? row.words.length);
    return { row, words, text: words.map((w) => w.text).join(' '), box: unionBox(words.map((w) => w.box)) };
  });
}

/**
 * The lines under `top` that belong to its block: per row below, the segment in the same
 * column (overlapping it, or starting or centred where it does), until a row has nothing
 * there or the gap grows past a blank line. `maxRows` caps the lines returned; default 10.
 */
export function columnUnder(view: DocView, top: { row: Row; box: Box }, maxRows = 10): Seg[] {
  const out: Seg[] = [];
  let bottom = top.row.box.y1;
  const h = top.row.height;
  const mid = (b: Box) => (b.x0 + b.x1) / 2;
  for (let r = top.row.index + 1; r < view.rows.length && out.length < maxRows; r++) {
    const row = view.rows[r]!;
    // A speck the scanner left beside the block is not a row of it, nor the end of it.
    if (row.height < 0.25 * h) continue;
    // A name is often set apart from the lines under it by more than a blank line.
    const gap = out.length === 0 ? 3 : 2.2;
    if (row.page !== top.row.page || row.box.y0 - bottom > gap * Math.max(h, row.height)) break;
    const seg = segmentsOf(row).find((s) => {
      const overlap = Math.min(s.box.x1, top.box.x1) - Math.max(s.box.x0, top.box.x0);
      return (
        overlap > 0 || Math.abs(s.box.x0 - top.box.x0) < 2 * h || Math.abs(mid(s.box) - mid(top.box)) < 2 * h
      );
    });
    if (!seg) break;
    out.push(seg);
    bottom = row.box.y1;
  }
  return out;
}

/** Lines that end a name or address block: ids, phones, tax numbers, dates, "Label: value". */
function isStop(text: string): boolean {
  // "G5T ID. NO": digits OCR put for letters would hide the label.
  const n = normalise(text).split(' ').map(letterise).join(' ');
  if (/@|www\.|\.com\b|https?:/i.test(text)) return true;
  if (
    /\b(tel|tele?phone|phone|fax|h\/p|hp|mobile|email|e-mail|gst|vat|sst|tax|abn|ein|reg|roc|co\s?no|company no|br no|website|attn)\b/.test(
      n,
    )
  )
    return true;
  if (/\b0\d{1,3}\s?-\s?\d{3,4}\s?\d{3,4}\b|\(\d{3}\)\s?\d{3}-\d{4}|\+\d{1,3}[\s-]?\d/.test(text))
    return true;
  // A time also when OCR glued it to the year ("14 Mar 201818:40").
  if (findDates(text).length > 0 || /\d:[0-5]\d(?!\d)/.test(text)) return true;
  // "MAR 2018" would pass for a postcode ("AB 1234") and start the address.
  for (const m of text.matchAll(/(?<!\p{L})(\p{L}{3,9})\.?\s*'?(?:19|20)\d{2}(?!\d)/gu)) {
    if (monthOf(m[1]!) !== null) return true;
  }
  // Also in brackets, as receipts print a branch or tax id: "(GSTID No: 000306020352)".
  // A label alone ("Company ro:") has its value in a column of its own beside it.
  if (/^\(?[\p{L} .#]{2,20}:/u.test(text) && !/^no\b/i.test(n)) return true;
  if (OTHER_PARTY.test(n)) return true;
  // A title under the address, as OCR prints it: "TAXINVOICE", "-INYOICE-".
  return (
    n.split(' ').length <= 4 &&
    (TITLE.test(n) || SHORT_TITLES.some((t) => containsPhrase(n, t) || n.replace(/ /g, '').includes(t)))
  );
}

const SHORT_TITLES = ['invoice', 'taxinvoice', 'receipt', 'cash bill'];

/** Labels of another party's block, which end the issuer's. */
const OTHER_PARTY =
  /^(patient|customer|bill to|billed to|ship to|sold to|invoice to|client|employee|claimant|attn|deliver to)\b/;

/** Lines that carry no name: registration numbers, bare digits, decoration. */
function isNoise(text: string): boolean {
  const letters = text.replace(/[^\p{L}]/gu, '').length;
  const digits = text.replace(/[^\d]/g, '').length;
  return letters < 2 || isRegNumber(text) || digits > letters;
}

/**
 * A line that ends in a company number, whatever its label reads as ("Conpany No- 20965-V").
 * A name line may end in one too ("Banh Mi Cafe Sdn Bhd 1110644-H"); its legal form tells it.
 */
const isCompanyNumberLine = (text: string) =>
  /\b\d{5,}\s?-\s?[A-Z]\)?$/i.test(text.trim()) && !LEGAL_SUFFIX.test(text);

function isAddressLike(text: string): boolean {
  if (isStop(text) || isRegNumber(text) || LEGAL_SUFFIX.test(text) || isCompanyNumberLine(text)) return false;
  return STREET.test(normalise(text)) || POSTCODE.test(text) || /^\d+[A-Z]?\s*[,.]/.test(text.trim());
}

/** Whether a line belongs to a document's header (party block, title, ids, dates) rather than to its items. */
export function isHeaderLine(text: string): boolean {
  return isStop(text) || isAddressLike(text) || isRegNumber(text) || LEGAL_SUFFIX.test(text);
}

/** A party's name and address, either of which may be missing. */
export interface PartyBlock {
  name: Candidate<string> | null;
  address: Candidate<string> | null;
}

const candidate = (value: string, segs: Seg[], certainty: number): Candidate<string> => ({
  value,
  words: segs.flatMap((s) => s.words),
  method: 'layout',
  certainty,
  flags: [],
  hit: null,
});

/**
 * The issuer block at the top of the first page: its name (a line with a legal suffix, else
 * a business-sounding line, else the line over the address) and the address lines under it.
 * `opts.maxRows`: how many rows from the top the block may span; default 12.
 */
export function findParty(
  view: DocView,
  opts: { maxRows?: number; addressJoin?: AddressJoin } = {},
): PartyBlock {
  const page = view.rows[0]?.page;
  const rows = view.rows.slice(0, opts.maxRows ?? 12).filter((r) => r.page === page);
  // The name sits above the address; anything lower is a customer or an item.
  const addressAt = rows.findIndex((r, i) => i > 0 && segmentsOf(r).some((s) => isAddressLike(s.text)));
  const top = addressAt > 0 ? rows.slice(0, addressAt) : rows.slice(0, 4);
  let best: { seg: Seg; score: number; under: Seg[] } | null = null;
  for (const seg of top.flatMap(segmentsOf)) {
    if (isNoise(seg.text) || isStop(seg.text) || TITLE.test(normalise(seg.text))) continue;
    const under = columnUnder(view, seg, 8);
    let score: number = best ? 0 : 1;
    const legal = LEGAL_SUFFIX.test(seg.text);
    const business = BUSINESS_WORD.test(seg.text);
    if (legal) score += 5;
    // "BISTRO & CAFE" under "THREE STOOGES" says what the business is, not who: a line of
    // trade words alone names nobody, so it does not win over the line that does.
    if (business && !legal && isDescriptor(seg.text)) score -= 1;
    else if (business) score += 2;
    // "St. Anne Family Clinic" reads like a street; a real address line has no business word.
    if (!legal && !business && isAddressLike(seg.text)) score -= 3;
    if (seg.text.includes('&')) score += 0.5;
    const next = under.find((s) => !isNoise(s.text) && !isStop(s.text));
    if (next && isAddressLike(next.text)) score += 1.5;
    if (!best || score > best.score) best = { seg, score, under };
  }
  if (!best) return { name: null, address: null };
  const { seg } = best;
  const nameSegs = [seg];
  // A "|" a scanner made of the paper's edge is a segment of its own; it is not a line.
  const above = top
    .flatMap(segmentsOf)
    .filter((s) => s.row.index < seg.row.index && /[\p{L}\d]/u.test(s.text))
    .reverse();
  for (const s of above) {
    if (nameSegs.length >= 3 || isNoise(s.text) || isStop(s.text)) break;
    // Junk that a logo or the scanner's noise became reads with low confidence, a name does not.
    if (meanConfidence(s.words) < 0.6) break;
    const overlap = Math.min(s.box.x1, seg.box.x1) - Math.max(s.box.x0, seg.box.x0);
    if (overlap <= 0 || !continuesAbove(s.text, nameSegs.map((n) => n.text).join(' '))) break;
    nameSegs.unshift(s);
  }
  let under = best.under;
  if (/&$/.test(seg.text.trim()) && under[0] && !isNoise(under[0].text)) {
    nameSegs.push(under[0]);
    under = under.slice(1);
  }
  // Table rules and specks read as "|", "_" or "~" at the ends of a scanned name line.
  const value = stopInsideName(
    letterDigits(repairSdnBhd(joinSpacedLetters(collapse(nameSegs.map((s) => s.text).join(' '))))),
  )
    .replace(/\(\s+/g, '(')
    .replace(/\s+\)/g, ')')
    .replace(TRAILING_REG, '')
    .replace(BARE_REG_AFTER_SUFFIX, '$1')
    .replace(/^[|_~:;\s]+|[|_~:;\s]+$/g, '');
  const overAddress = best.under.find((s) => !isNoise(s.text) && !isStop(s.text));
  const certainty = LEGAL_SUFFIX.test(seg.text)
    ? 1
    : BUSINESS_WORD.test(seg.text)
      ? 0.95
      : seg.row.index === rows[0]!.index && overAddress && isAddressLike(overAddress.text)
        ? 0.9
        : 0.75;
  return { name: candidate(value, nameSegs, certainty), address: addressFrom(under, opts.addressJoin) };
}

/**
 * The address among the lines under a name: leading ids and phones skipped, then lines up to
 * the next phone, tax-number or date line (or a country name). The block must hold at least
 * one line that reads as an address; a house-number line just before it is kept
 * ("Hauptstraße 12" over "10115 Berlin").
 */
export function addressFrom(lines: Seg[], join: AddressJoin = 'comma'): Candidate<string> | null {
  let i = 0;
  while (
    i < lines.length &&
    i < 3 &&
    (isNoise(lines[i]!.text) || isStop(lines[i]!.text) || isCompanyNumberLine(lines[i]!.text)) &&
    !isAddressLike(lines[i]!.text)
  )
    i++;
  const block: Seg[] = [];
  let restarts = 0;
  for (; i < lines.length && block.length < 6; i++) {
    const t = lines[i]!.text;
    if (isStop(t) || isCompanyNumberLine(t) || (isNoise(t) && !isAddressLike(t))) {
      // A registration number between a name's second line and the address ("JIAWEI HOUSE",
      // "002693074-K", "13, JLN TASIK"): the lines before it were not the address.
      const reg = isRegNumber(t) || isCompanyNumberLine(t);
      if (block.some((s) => isAddressLike(s.text)) || !reg || restarts++ > 0) break;
      block.length = 0;
      continue;
    }
    block.push(lines[i]!);
    if (COUNTRY_END.test(t.trim())) break;
  }
  const first = block.findIndex((s) => isAddressLike(s.text));
  if (first < 0) return null;
  // A house number ends or starts that line; a digit inside a branch name ("NANDO'S 1 MONT
  // KIARA" over "UNIT G-13") does not make it one.
  const from =
    first > 0 && /^\d+[A-Z]?\b|\b\d+[A-Z]?[,.]?$/i.test(block[first - 1]!.text.trim()) ? first - 1 : first;
  const kept = block.slice(from);
  // Words OCR read below 0.9 are wrong one time in five or more (docs/reading.md); not the
  // same word read surely elsewhere in the address ("Permas" at 0.99 and at 0.89).
  const words = kept.flatMap((s) => s.words);
  const sure = new Set(words.filter((w) => w.confidence >= 0.9).map((w) => w.text.toUpperCase()));
  const unsure = new Set(
    words.filter((w) => w.confidence < 0.9 && !sure.has(w.text.toUpperCase())).map((w) => w.text),
  );
  // A company number OCR ran onto the first address line: "(867388-U) 12, Jalan Tampoi".
  const joined = joinAddress(
    kept.map((s) => s.text),
    join,
  ).replace(LEADING_REG, '');
  const value = stopsToCommas(mendAddressWords(addressLetters(joined), (t) => unsure.has(t)));
  return candidate(value, kept, 0.9);
}

/**
 * A block introduced by a label ("Bill To", "From", "Patient"): the text right of the label,
 * if any, then the lines under it. Returns null when the label is not on the document.
 */
export function findBlock(view: DocView, labels: string[], opts: { exclude?: string[] } = {}): Seg[] | null {
  // A block label stands alone at the start of its segment ("From", "Bill To:"); "from" inside
  // "45 days from invoice date" is not one.
  const hit = findLabels(view, labels, opts)
    .filter((h) => {
      const start = h.row.segments.filter((s) => s <= h.first).at(-1) ?? 0;
      const end = segmentEnd(h.row, h.first);
      // "Verkäufer:", "Verkäufer" alone, or "Verkäufer :" with the colon set apart.
      return (
        start === h.first &&
        (end === h.last + 1 ||
          h.row.words[h.last]!.text.endsWith(':') ||
          (end === h.last + 2 && h.row.words[h.last + 1]!.text === ':'))
      );
    })
    .sort((a, b) => a.rank - b.rank)[0];
  if (!hit) return null;
  const lines: Seg[] = [];
  const right = wordsRight(hit).filter((w) => h0(hit, w));
  if (right.length > 0) {
    lines.push({
      row: hit.row,
      words: right,
      text: right.map((w) => w.text).join(' '),
      box: unionBox(right.map((w) => w.box)),
    });
  }
  lines.push(...columnUnder(view, { row: hit.row, box: hit.box }, 8));
  return lines;
}

/** Whether a word right of a label is still in the label's own segment. */
function h0(hit: LabelHit, w: PlacedWord): boolean {
  const i = hit.row.words.indexOf(w);
  return i > hit.last && i < segmentEnd(hit.row, hit.last);
}

/** The segment's row from the segment on, so a label sees the colon and value beside it. */
function rowFrom(seg: Seg): string {
  const i = seg.row.words.indexOf(seg.words[0]!);
  return collapse(
    seg.row.words
      .slice(Math.max(0, i))
      .map((w) => w.text)
      .join(' '),
  );
}

const NAME_LABELS = new Set(labelsFor('partyName').map(normalise));

/** Name and address of a labelled block: first line the name, the address under it. */
export function partyFromBlock(lines: Seg[] | null): PartyBlock {
  if (!lines || lines.length === 0) return { name: null, address: null };
  // "Name: Lieferant GmbH" names the party outright, in a block whose other lines are labelled
  // fields ("Nummer: 549910") that the first-line rule would skip as stops.
  for (const [i, seg] of lines.entries()) {
    const m = /^([\p{L} .]{2,24}?)\s*:\s*(\S.*)$/u.exec(rowFrom(seg));
    if (!m || !NAME_LABELS.has(normalise(m[1]!))) continue;
    const value = m[2]!.replace(TRAILING_REG, '');
    if (isNoise(value)) continue;
    return { name: candidate(value, [seg], 0.97), address: addressFrom(lines.slice(i + 1)) };
  }
  // A label whose value stands in a column of its own ("Nummer" beside ": 549910") is a field too.
  const first = lines.find(
    (s) => !isNoise(s.text) && !isStop(s.text) && !/^\s*:/.test(rowFrom(s).slice(collapse(s.text).length)),
  );
  if (!first) return { name: null, address: null };
  let rest = lines.slice(lines.indexOf(first) + 1);
  // A long name wraps: "MVM Musterhafter" over "Versicherungsverein Musterstadt a.G.". The line
  // under a name without a legal form continues it when that line ends in one.
  const next = rest[0];
  const nameSegs = [first];
  if (
    next &&
    !LEGAL_SUFFIX.test(first.text) &&
    LEGAL_SUFFIX.test(next.text) &&
    !isStop(next.text) &&
    !isAddressLike(next.text)
  ) {
    nameSegs.push(next);
    rest = rest.slice(1);
  }
  const value = collapse(nameSegs.map((n) => n.text).join(' ')).replace(TRAILING_REG, '');
  return { name: candidate(value, nameSegs, 0.95), address: addressFrom(rest) };
}

/** A line of trade words and connectors only ("BISTRO & CAFE", "Restaurant"). */
function isDescriptor(text: string): boolean {
  const words = text.split(/\s+/).filter((w) => w && !/^(&|and|\+|\/)$/i.test(w));
  return words.length > 0 && words.every((w) => BUSINESS_WORD.test(w));
}

/**
 * Whether a name line continues the line above it: "PASARAYA BORONG PINTAR" over "SDN BHD",
 * "AIK HUAT HARDWARE" over "ENTERPRISE (SETIA ALAM) SDN BHD", or a line ending in "&".
 * A suffix line with a name of its own ("TASTE OF THE WORLD SDN BHD") stands alone.
 */
function continuesAbove(above: string, line: string): boolean {
  if (/[&,-]$/.test(above.trim())) return true;
  if (!STRONG_SUFFIX.test(line) || LEGAL_SUFFIX.test(above) || TITLE.test(normalise(above))) return false;
  const own = line
    .replace(TRAILING_REG, '')
    .replace(new RegExp(STRONG_SUFFIX.source, 'gi'), ' ')
    .replace(/\([^)]*\)/g, ' ')
    .split(/\s+/)
    .filter((w) => w && w !== '&');
  return own.length <= 1 || own.every((w) => BUSINESS_WORD.test(w));
}

/**
 * How a multi-line address becomes one string. 'comma': lines joined with ", " (the invoice
 * and bill contract). 'space': the lines as printed, a line break read as a space, which is how
 * receipt datasets (SROIE) and their users record a shop address.
 */
export type AddressJoin = 'comma' | 'space';

/** Address lines joined per `join` (default 'comma'), keeping the commas the document printed. */
export function joinAddress(lines: string[], join: AddressJoin = 'comma'): string {
  let out = '';
  for (const raw of lines) {
    const line = collapse(raw);
    if (!line) continue;
    if (!out) out = line;
    else out += join === 'space' || /[,;]$/.test(out) ? ` ${line}` : `, ${line}`;
  }
  return out;
}

/**
 * A person's name heading a mailing block: a line that reads as a name with an address
 * under it, as payslips and statements print the addressee. Null when there is none.
 */
export function personOverAddress(view: DocView): Candidate<string> | null {
  for (const row of view.rows) {
    for (const seg of segmentsOf(row)) {
      if (!looksLikePerson(seg.text)) continue;
      const next = columnUnder(view, seg, 2)[0];
      if (next && isAddressLike(next.text)) return candidate(collapse(seg.text), [seg], 0.85);
    }
  }
  return null;
}

/** Whether text reads like a company name (a legal suffix or a business word). */
function looksLikeCompany(text: string): boolean {
  return LEGAL_SUFFIX.test(text) || BUSINESS_WORD.test(text);
}

/** Whether a line reads like a person's name: two to five capitalised words, no digits, no company words. */
export function looksLikePerson(text: string): boolean {
  const t = collapse(text);
  if (/\d/.test(t) || looksLikeCompany(t) || TITLE.test(normalise(t)) || FORM_WORDS.test(t)) return false;
  const words = t.split(' ');
  return (
    words.length >= 2 &&
    words.length <= 5 &&
    words.every(
      (w) =>
        /^[\p{Lu}'][\p{L}'.-]*$/u.test(w) || /^(bin|binti|a\/l|a\/p|de|van|von|der|la|le|da|del)$/i.test(w),
    )
  );
}
