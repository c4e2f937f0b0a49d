import type { DocType, ExtractedFields } from '../schemas/common.ts';
import type { ReadResult } from '../schemas/read.ts';
import { amountCandidates, corroborateSum, findDateField, put, putField } from './common-fields.ts';
import { analyse, currencyField, type ExtractContext } from './context.ts';
import type { Extractor } from './extractor.ts';
import { byLabel, idParser, personParser } from './field.ts';
import { findLineItems } from './line-items.ts';
import { findParty } from './party.ts';

/** Label variants seen on real patient statements and hospital bills, preferred first. */
export const BILL_LABELS = {
  patient: ['patient name', 'patient', 'name of patient', 'patient:'],
  patientExclude: [
    'patient account',
    'patient id',
    'patient balance',
    'patient responsibility',
    'patient statement',
    'patient no',
    'patient portion',
  ],
  account: [
    'account number',
    'account no',
    'acct #',
    'acct no',
    'patient account',
    'account #',
    'bill no',
    'bill number',
    'invoice no',
    'account',
  ],
  accountExclude: ['bank account', 'account ending', 'account of'],
  service: [
    'date of service',
    'service date',
    'visit date',
    'dates of service',
    'date(s) of service',
    'admission date',
    'dos',
  ],
  bill: ['statement date', 'bill date', 'billing date', 'invoice date', 'date of bill', 'date'],
  billExclude: [
    'date of service',
    'service date',
    'visit date',
    'due date',
    'date of birth',
    'admission date',
  ],
  due: ['due date', 'payment due', 'please pay by', 'pay by', 'payment due date'],
  dueExclude: ['amount due', 'balance due', 'total due'],
  charges: ['total charges', 'total billed', 'gross charges', 'total charge', 'charges total'],
  insurance: [
    'insurance payments',
    'insurance paid',
    'less insurance',
    'plan paid',
    'insurance payment',
    'paid by insurance',
    'insurer paid',
  ],
  due2: [
    'amount due',
    'patient balance',
    'balance due',
    'patient responsibility',
    'total due',
    'please pay',
    'amount you owe',
    'balance',
  ],
};

/** Patient statements, clinic bills and itemised hospital bills. */
export const medicalBillExtractor: Extractor = {
  name: 'medical-bill-rules',
  supports: (t: DocType) => t === 'medical_bill',
  score: () => 0.5,
  extract(read: ReadResult, ctx?: ExtractContext): ExtractedFields {
    const doc = analyse(read, ctx);
    const { view } = doc;
    const fields: ExtractedFields = {};
    const provider = findParty(view);
    put(fields, 'providerName', provider.name);
    put(fields, 'providerAddress', provider.address);
    put(
      fields,
      'patientName',
      byLabel(view, BILL_LABELS.patient, personParser(), { exclude: BILL_LABELS.patientExclude })[0],
    );
    put(
      fields,
      'accountNumber',
      byLabel(view, BILL_LABELS.account, idParser(), { exclude: BILL_LABELS.accountExclude })[0],
    );
    put(fields, 'serviceDate', findDateField(doc, { labels: BILL_LABELS.service }));
    put(
      fields,
      'billDate',
      findDateField(doc, { labels: BILL_LABELS.bill, exclude: BILL_LABELS.billExclude }),
    );
    put(fields, 'dueDate', findDateField(doc, { labels: BILL_LABELS.due, exclude: BILL_LABELS.dueExclude }));
    putField(fields, 'currency', currencyField(doc));
    put(fields, 'totalCharges', amountCandidates(doc, BILL_LABELS.charges)[0]);
    put(fields, 'insurancePaid', amountCandidates(doc, BILL_LABELS.insurance)[0]);
    put(fields, 'amountDue', amountCandidates(doc, BILL_LABELS.due2, { exclude: ['amount due date'] })[0]);
    corroborateSum(fields, ['insurancePaid', 'amountDue'], 'totalCharges');
    const items = findLineItems(doc, { stopLabels: BILL_LABELS.charges });
    if (items) fields.lineItems = items.field;
    return fields;
  },
};
