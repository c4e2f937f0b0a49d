import { MEDICAL_CATALOG } from './catalog.ts';
import { addDays, type DateStyle, randomDate, type Ymd } from './dates.ts';
import { buildItems, type Item } from './items.ts';
import { LOCALES, type Locale, type LocaleId, MoneyFormat } from './locale.ts';
import { type Cents, percentOf, sum } from './money.ts';
import { address, NAME_SETS, personName, phone } from './names.ts';
import type { DocRequest } from './types.ts';

export interface MedicalBillData {
  locale: Locale;
  money: MoneyFormat;
  dateStyle: DateStyle;
  provider: string;
  providerAddress: string[];
  providerPhone: string;
  patient: string;
  patientAddress: string[];
  account: string;
  mrn: string;
  insurer: string | null;
  serviceDate: Ymd;
  billDate: Ymd;
  dueDate: Ymd;
  items: Item[];
  totalCharges: Cents;
  insurancePaid: Cents | null;
  amountDue: Cents;
}

const BILL_LOCALES: readonly LocaleId[] = ['US', 'US', 'US', 'UK', 'MY', 'AU', 'SG', 'CA', 'IE'];
const PROVIDER_KINDS = [
  'Medical Center',
  'Community Hospital',
  'Family Clinic',
  'Specialist Centre',
  'Imaging Centre',
];
const PROVIDER_SUFFIX: Partial<Record<LocaleId, string>> = { MY: ' Sdn Bhd', SG: ' Pte Ltd', AU: ' Pty Ltd' };
const INSURERS = [
  'BlueShield Health Plan',
  'Unity Care Insurance',
  'Harbourline Health',
  'Allied Medical Cover',
];

export function medicalBillData(req: DocRequest): MedicalBillData {
  const rng = req.rng;
  const locale = LOCALES[req.locale ?? rng.pick(BILL_LOCALES)];
  const us = locale.id === 'US';
  const providerAddress = address(rng, locale.id);
  const city = providerAddress.city;
  const kind = rng.pick(PROVIDER_KINDS).replace('Centre', us ? 'Center' : 'Centre');
  const provider = `${rng.pick([city, rng.pick(NAME_SETS[locale.id].stems), 'St. Anne', 'Riverside'])} ${kind}${PROVIDER_SUFFIX[locale.id] ?? ''}`;
  const catalog = us ? MEDICAL_CATALOG.us : MEDICAL_CATALOG.intl;
  // A long bill is an itemised emergency or inpatient stay: the same codes recur, as they do.
  const items = buildItems(rng, catalog, req.long ? rng.int(38, 46) : rng.int(2, 6), locale.currency);
  const totalCharges = sum(items.map((i) => i.amount));
  const insured = rng.chance(0.75);
  const insurancePaid = insured ? percentOf(totalCharges, rng.pick([55, 60, 70, 75, 80, 90])) : null;
  const serviceDate = randomDate(rng);
  const billDate = addDays(serviceDate, rng.int(5, 35));
  return {
    locale,
    money: MoneyFormat.pick(rng, locale, ['symbol', 'symbol', 'plain']),
    dateStyle: rng.pick(locale.dateStyles),
    provider,
    providerAddress: providerAddress.lines,
    providerPhone: phone(rng, locale.id),
    patient: personName(rng, locale.id),
    patientAddress: address(rng, locale.id, false).lines,
    account: rng.pick([rng.digits(8), `A${rng.digits(7)}`, `${rng.digits(4)}-${rng.digits(6)}`]),
    mrn: `MRN ${rng.digits(7)}`,
    insurer: insured ? rng.pick(INSURERS) : null,
    serviceDate,
    billDate,
    dueDate: addDays(billDate, rng.pick([14, 21, 30])),
    items,
    totalCharges,
    insurancePaid,
    amountDue: totalCharges - (insurancePaid ?? 0),
  };
}
