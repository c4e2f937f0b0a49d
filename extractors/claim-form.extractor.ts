import type { DocType, ExtractedFields } from '../schemas/common.ts';
import type { ReadResult } from '../schemas/read.ts';
import { amountCandidates, findDateField, put, putField } from './common-fields.ts';
import { analyse, currencyField, type DocContext, type ExtractContext } from './context.ts';
import type { Extractor } from './extractor.ts';
import { byLabel, type Candidate, idParser, personParser } from './field.ts';
import { findLabels, type PlacedWord, wordsRight } from './layout.ts';
import { collapse } from './parse/text.ts';
import { findParty } from './party.ts';

/** Label variants seen on real claim forms, preferred first. */
export const CLAIM_LABELS = {
  policy: ['policy number', 'policy no', 'policy #', 'certificate / policy no', 'policy', 'certificate no'],
  policyExclude: ['policy holder', 'policyholder', 'name of policyholder', 'policy details', 'my policy'],
  claimant: [
    'claimant name',
    'name of claimant',
    'full name of claimant',
    'name of policyholder',
    'policyholder name',
    'insured name',
    'name of insured',
    'claimant',
    'insured',
    'full name',
    'name',
  ],
  claimantExclude: ['signature of claimant', 'claimant details', 'claimant signature', 'insured item'],
  incident: [
    'date of incident',
    'date of loss',
    'date of accident',
    'date of treatment',
    'incident date',
    'loss date',
    'accident date',
    'date of event',
  ],
  claimDate: ['date signed', 'date of claim', 'claim date', 'signed on', 'date'],
  claimDateExclude: [
    'date of birth',
    'date of incident',
    'date of loss',
    'date of accident',
    'date of treatment',
    'date of event',
    'incident date',
  ],
  amount: [
    'total amount claimed',
    'amount claimed',
    'total claim amount',
    'claim amount',
    'total claimed',
    'amount of claim',
  ],
  description: [
    'description of incident',
    'description of loss',
    'describe what happened',
    'details of loss',
    'details of incident',
    'circumstances of the loss',
    'circumstances',
    'what happened',
  ],
};

/** Lines that end a free-text answer: the next section or field of the form. */
const ANSWER_END =
  /^(section\b|itemised|itemized|claim type|please attach|all amounts|date\b|amount\b|total\b|i declare)/i;

/**
 * A free-text answer: the words right of its label, then the lines under it, as long as
 * they follow each other like lines of one paragraph.
 */
function freeText(doc: DocContext, labels: string[]): Candidate<string> | null {
  const hit = findLabels(doc.view, labels).sort((a, b) => a.rank - b.rank)[0];
  if (!hit) return null;
  const words: PlacedWord[] = [...wordsRight(hit)];
  let prev = hit.row;
  for (let r = hit.row.index + 1; r < doc.view.rows.length; r++) {
    const row = doc.view.rows[r]!;
    const gap = row.box.y0 - prev.box.y1;
    if (row.page !== prev.page || gap > 1.9 * Math.max(row.height, prev.height) || ANSWER_END.test(row.text))
      break;
    if (row.box.x0 > hit.box.x0 + 40 * row.height) break;
    words.push(...row.words);
    prev = row;
  }
  const value = collapse(words.map((w) => w.text).join(' '));
  if (!/\p{L}{3}/u.test(value)) return null;
  return {
    value,
    words,
    method: words[0]?.box.y0 === hit.row.words[0]?.box.y0 ? 'same-line' : 'below',
    certainty: 0.9,
    flags: [],
    hit,
  };
}

/** Insurance claim forms: insurer letterhead, boxed or "Label: value" fields, amount, declaration. */
export const claimFormExtractor: Extractor = {
  name: 'claim-form-rules',
  supports: (t: DocType) => t === 'claim_form',
  score: () => 0.5,
  extract(read: ReadResult, ctx?: ExtractContext): ExtractedFields {
    const doc = analyse(read, ctx);
    const { view } = doc;
    const fields: ExtractedFields = {};
    put(fields, 'insurerName', findParty(view).name);
    put(
      fields,
      'policyNumber',
      byLabel(view, CLAIM_LABELS.policy, idParser(), { exclude: CLAIM_LABELS.policyExclude })[0],
    );
    put(
      fields,
      'claimantName',
      byLabel(view, CLAIM_LABELS.claimant, personParser(), { exclude: CLAIM_LABELS.claimantExclude })[0],
    );
    put(fields, 'incidentDate', findDateField(doc, { labels: CLAIM_LABELS.incident }));
    put(
      fields,
      'claimDate',
      findDateField(doc, { labels: CLAIM_LABELS.claimDate, exclude: CLAIM_LABELS.claimDateExclude }),
    );
    putField(fields, 'currency', currencyField(doc));
    const amounts = amountCandidates(doc, CLAIM_LABELS.amount);
    put(fields, 'amountClaimed', amounts[0]);
    put(fields, 'description', freeText(doc, CLAIM_LABELS.description));
    return fields;
  },
};
