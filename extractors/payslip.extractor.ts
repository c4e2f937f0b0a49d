import type { DocType, ExtractedFields } from '../schemas/common.ts';
import type { ReadResult } from '../schemas/read.ts';
import { corroborateSum, findDateField, put, putField } from './common-fields.ts';
import { analyse, currencyField, type DocContext, type ExtractContext } from './context.ts';
import type { Extractor } from './extractor.ts';
import { amountParser, byLabel, type Candidate, idParser, personParser } from './field.ts';
import { findLabels, type Row } from './layout.ts';
import { findDates } from './parse/date.ts';
import { findParty, looksLikePerson, personOverAddress } from './party.ts';

/** Label variants seen on real payslips and earnings statements. */
export const PAYSLIP_LABELS = {
  employee: ['employee name', 'employee', 'name', 'staff name', 'deposited to the account of', 'pay to'],
  employeeExclude: [
    'employee id',
    'employee no',
    'employee number',
    'employee #',
    'employee signature',
    'employer name',
    'bank name',
    'name of bank',
  ],
  id: [
    'employee id',
    'employee no',
    'employee number',
    'employee #',
    'emp #',
    'emp no',
    'emp id',
    'staff no',
    'staff id',
    'payroll no',
    'personnel no',
  ],
  period: ['pay period', 'period', 'payroll period', 'salary period', 'for the period'],
  start: ['period start', 'period beginning', 'period from', 'pay period start', 'start date', 'from'],
  end: ['period end', 'period ending', 'period to', 'pay period end', 'end date', 'to'],
  payDate: ['pay date', 'payment date', 'paid on', 'check date', 'date paid', 'pay day', 'date of payment'],
  gross: [
    'gross pay',
    'total earnings',
    'gross earnings',
    'total gross',
    'gross salary',
    'gross wages',
    'gross income',
    'gross',
  ],
  deductions: ['total deductions', 'deductions total', 'total deduction', 'total statutory deductions'],
  net: [
    'net pay',
    'take home pay',
    'net salary',
    'net wages',
    'net amount',
    'net payable',
    'amount paid',
    'net',
  ],
};

/** Column headings of year-to-date figures, which sit beside this period's and must be skipped. */
const YTD_HEADINGS = ['year to date', 'ytd', 'y-t-d', 'to date', 'cumulative'];

/**
 * The amount of this pay period next to a label: the first amount after it that does not
 * sit under a year-to-date heading.
 */
function periodAmount(doc: DocContext, labels: string[], exclude: string[] = []): Candidate<string> | null {
  const ytd = findLabels(doc.view, YTD_HEADINGS).map((h) => h.box);
  const underYtd = (c: Candidate<string>) =>
    ytd.some((b) => c.words.some((w) => w.box.x1 > b.x0 - 4 && w.box.x0 < b.x1 + 4 && w.box.y0 > b.y1));
  for (const c of byLabel(doc.view, labels, amountParser({ ...doc.amounts, first: true }), { exclude })) {
    if (!underYtd(c)) return c;
    const rest = byLabel(doc.view, [c.hit!.label], amountParser(doc.amounts), { wholeRow: true }).find(
      (o) => o.hit!.row === c.hit!.row && !underYtd(o),
    );
    if (rest) return rest;
  }
  return null;
}

/** Pay period start and end: one "Pay Period: 01/03/2024 - 31/03/2024" field, or two labelled dates. */
function payPeriod(doc: DocContext): { start: Candidate<string> | null; end: Candidate<string> | null } {
  const range = byLabel(
    doc.view,
    PAYSLIP_LABELS.period,
    (words) => {
      const text = words.map((w) => w.text).join(' ');
      const found = findDates(text, { ...doc.dates, compact: false });
      if (found.length < 2) return null;
      return {
        value: `${found[0]!.value}/${found[1]!.value}`,
        certainty: Math.min(found[0]!.confidence, found[1]!.confidence),
        flags: [...found[0]!.flags, ...found[1]!.flags],
        words,
      };
    },
    {
      exclude: [
        'pay period start',
        'pay period end',
        'period start',
        'period end',
        'period beginning',
        'period ending',
      ],
    },
  )[0];
  if (range) {
    const [a, b] = range.value.split('/') as [string, string];
    return { start: { ...range, value: a }, end: { ...range, value: b } };
  }
  return {
    start: findDateField(doc, { labels: PAYSLIP_LABELS.start }),
    end: findDateField(doc, { labels: PAYSLIP_LABELS.end, exclude: ['pay to'] }),
  };
}

/** The employee when no label names them: a person's name on the line over the employee id. */
function employeeNearId(doc: DocContext): Candidate<string> | null {
  const idHit = findLabels(doc.view, PAYSLIP_LABELS.id)[0];
  if (!idHit) return null;
  const above: Row | undefined = doc.view.rows[idHit.row.index - 1];
  if (!above || above.page !== idHit.row.page) return null;
  const words = above.words.filter(
    (w) => w.box.x0 < idHit.box.x1 && w.box.x1 > idHit.box.x0 - 4 * above.height,
  );
  const text = words.map((w) => w.text).join(' ');
  if (!looksLikePerson(text)) return null;
  return { value: text, words, method: 'layout', certainty: 0.85, flags: [], hit: null };
}

/** Payslips and earnings statements: employer letterhead, employee block, period, pay summary. */
export const payslipExtractor: Extractor = {
  name: 'payslip-rules',
  supports: (t: DocType) => t === 'payslip',
  score: () => 0.5,
  extract(read: ReadResult, ctx?: ExtractContext): ExtractedFields {
    const doc = analyse(read, ctx);
    const fields: ExtractedFields = {};
    put(fields, 'employerName', findParty(doc.view).name);
    const employee =
      byLabel(doc.view, PAYSLIP_LABELS.employee, personParser(), {
        exclude: PAYSLIP_LABELS.employeeExclude,
      })[0] ??
      employeeNearId(doc) ??
      personOverAddress(doc.view);
    put(fields, 'employeeName', employee);
    put(fields, 'employeeId', byLabel(doc.view, PAYSLIP_LABELS.id, idParser())[0]);
    const period = payPeriod(doc);
    put(fields, 'payPeriodStart', period.start);
    put(fields, 'payPeriodEnd', period.end);
    put(fields, 'payDate', findDateField(doc, { labels: PAYSLIP_LABELS.payDate }));
    putField(fields, 'currency', currencyField(doc));
    put(fields, 'grossPay', periodAmount(doc, PAYSLIP_LABELS.gross, ['gross amount of deductions']));
    put(fields, 'totalDeductions', periodAmount(doc, PAYSLIP_LABELS.deductions));
    put(fields, 'netPay', periodAmount(doc, PAYSLIP_LABELS.net, ['net amount of deductions']));
    corroborateSum(fields, ['totalDeductions', 'netPay'], 'grossPay');
    return fields;
  },
};
