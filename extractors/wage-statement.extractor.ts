import type { DocType, ExtractedFields } from '../schemas/common.ts';
import type { ReadResult } from '../schemas/read.ts';
import { put, putField } from './common-fields.ts';
import { analyse, currencyField, type DocContext, type ExtractContext } from './context.ts';
import type { Extractor } from './extractor.ts';
import {
  amountParser,
  byLabel,
  type Candidate,
  derivedField,
  personParser,
  textParser,
  type ValueParser,
} from './field.ts';
import { findLabels, joinWords, wordsIn } from './layout.ts';
import { findParty } from './party.ts';

/** The W-2 boxes by field, with the wording of the official form first. */
export const W2_LABELS = {
  wages: ['wages, tips, other compensation', 'wages tips other compensation', 'wages, tips', 'box 1'],
  federalTaxWithheld: ['federal income tax withheld', 'federal tax withheld', 'box 2'],
  socialSecurityWages: ['social security wages', 'box 3'],
  socialSecurityTax: ['social security tax withheld', 'social security tax', 'box 4'],
  medicareWages: ['medicare wages and tips', 'medicare wages', 'box 5'],
  medicareTax: ['medicare tax withheld', 'medicare tax', 'box 6'],
  ssn: [
    "employee's social security number",
    'social security number',
    "employee's ssn",
    'employee ssn',
    'ssn',
  ],
  ein: [
    'employer identification number',
    'employer id number',
    'employer ein',
    'federal ein',
    'ein',
    'employer id',
  ],
  employer: ["employer's name, address, and zip code", "employer's name", 'employer name', 'employer'],
  employee: ["employee's name", 'employee name', 'employee'],
  employeeExclude: [
    "employee's social security number",
    "employee's ssn",
    "employee's address",
    'employee copy',
    'employee ssn',
    "employee's records",
  ],
  year: ['tax year', 'year'],
};

const SSN = /\b\d{3}-\d{2}-\d{4}\b/;
const EIN = /\b\d{2}-\d{7}\b/;

/** Parses the first match of a pattern in the words, as printed. */
function patternParser(re: RegExp): ValueParser<string> {
  return (words) => {
    const { text, spans } = joinWords(words);
    const m = re.exec(text);
    if (!m) return null;
    return {
      value: m[0],
      certainty: 1,
      flags: [],
      words: wordsIn(words, spans, m.index, m.index + m[0].length),
    };
  };
}

/** A labelled value, else the first place the pattern occurs at all. */
function labelledOrPattern(
  doc: DocContext,
  labels: string[],
  re: RegExp,
  exclude: string[] = [],
): Candidate<string> | null {
  const labelled = byLabel(doc.view, labels, patternParser(re), { exclude })[0];
  if (labelled) return labelled;
  for (const row of doc.view.rows) {
    const p = patternParser(re)(row.words);
    if (p) return { ...p, method: 'pattern', hit: null };
  }
  return null;
}

/** The tax year: labelled, else the year printed on the "Wage and Tax Statement" line. */
function taxYear(doc: DocContext): Candidate<string> | null {
  const year = patternParser(/\b(19|20)\d{2}\b/);
  const labelled = byLabel(doc.view, W2_LABELS.year, year)[0];
  if (labelled) return labelled;
  for (const hit of findLabels(doc.view, ['wage and tax statement', 'w-2'])) {
    const after = hit.row.words.slice(hit.last + 1);
    const found = year(after) ?? year(hit.row.words);
    if (found) return { ...found, certainty: 0.95, method: 'same-line', hit };
  }
  return null;
}

/** W-2 wage and tax statements: the IRS grid (labels over values), or a label/value summary. */
export const wageStatementExtractor: Extractor = {
  name: 'w2-rules',
  supports: (t: DocType) => t === 'wage_statement',
  score: () => 0.5,
  extract(read: ReadResult, ctx?: ExtractContext): ExtractedFields {
    const doc = analyse(read, { country: 'US', ...ctx });
    const { view } = doc;
    const fields: ExtractedFields = {};
    const employer =
      byLabel(view, W2_LABELS.employer, textParser(), {
        right: false,
        exclude: ['employer identification number', "employer's state id", 'employer ein', 'employer id'],
      })[0] ?? findParty(view).name;
    put(fields, 'employerName', employer);
    put(fields, 'employerId', labelledOrPattern(doc, W2_LABELS.ein, EIN, ["employer's state id number"]));
    put(
      fields,
      'employeeName',
      byLabel(view, W2_LABELS.employee, personParser(), { exclude: W2_LABELS.employeeExclude })[0],
    );
    put(fields, 'employeeSsn', labelledOrPattern(doc, W2_LABELS.ssn, SSN));
    put(fields, 'taxYear', taxYear(doc));
    // A W-2 is a US federal form: its amounts are dollars even when no "$" is printed.
    putField(fields, 'currency', currencyField(doc) ?? derivedField('USD', 0.9, 'US federal form W-2'));
    const money = amountParser({ ...doc.amounts, first: true });
    for (const name of [
      'wages',
      'federalTaxWithheld',
      'socialSecurityWages',
      'socialSecurityTax',
      'medicareWages',
      'medicareTax',
    ] as const) {
      put(fields, name, byLabel(view, W2_LABELS[name], money)[0]);
    }
    return fields;
  },
};
