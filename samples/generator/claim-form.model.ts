import { addDays, type DateStyle, daysBetween, randomDate, type Ymd } from './dates.ts';
import { LOCALES, type Locale, type LocaleId, MoneyFormat } from './locale.ts';
import { type Cents, sum } from './money.ts';
import { address, NAME_SETS, personName, phone } from './names.ts';
import type { Rng } from './prng.ts';
import type { DocRequest } from './types.ts';

export type ClaimKind = 'motor' | 'travel' | 'home' | 'health';

export interface Expense {
  date: Ymd;
  description: string;
  amount: Cents;
}

export interface ClaimData {
  locale: Locale;
  money: MoneyFormat;
  dateStyle: DateStyle;
  insurer: string;
  insurerAddress: string[];
  claimsPhone: string;
  kind: ClaimKind;
  policyNumber: string;
  claimRef: string;
  claimant: string;
  claimantAddress: string[];
  claimantPhone: string;
  email: string;
  dob: Ymd;
  incident: Ymd;
  incidentTime: string;
  location: string;
  claimDate: Ymd;
  description: string;
  expenses: Expense[];
  amount: Cents;
}

const CLAIM_LOCALES: readonly LocaleId[] = ['US', 'UK', 'MY', 'AU', 'CA', 'DE', 'IE', 'SG', 'NL'];

const INSURER_WORDS = ['Mutual Insurance', 'Assurance', 'General Insurance', 'Insurance', 'Health Insurance'];
const INSURER_STEMS = [
  'Northbridge',
  'Harbourline',
  'Kestrel',
  'Meridian',
  'Bluewater',
  'Sentinel',
  'Oakshield',
];
const INSURER_SUFFIX: Record<LocaleId, string[]> = {
  US: ['Company', 'Co.', 'Inc.'],
  UK: ['plc', 'Limited'],
  IE: ['DAC', 'plc'],
  DE: ['AG', 'VVaG'],
  FR: ['SA'],
  NL: ['N.V.'],
  MY: ['Berhad', 'Bhd'],
  SG: ['Ltd', 'Pte Ltd'],
  CA: ['Company', 'Inc.'],
  AU: ['Limited', 'Ltd'],
};

const POLICY_PREFIX: Record<ClaimKind, string> = { motor: 'MTR', travel: 'TRV', home: 'HMI', health: 'MED' };

const POLICY_FORMATS: ((r: Rng, y: number, kind: ClaimKind) => string)[] = [
  (r) => `POL-${r.digits(4)}-${r.digits(4)}`,
  (r) => `${r.letters(2)} ${r.digits(4)} ${r.digits(4)}`,
  (r, y, kind) => `${POLICY_PREFIX[kind]}/${y}/${r.digits(6)}`,
  (r) => `P${r.digits(8)}`,
];

/** What happened and what it cost, per kind of claim; the description is the claimant's words. */
function story(rng: Rng, kind: ClaimKind, locale: LocaleId, incident: Ymd, scale: number) {
  const street = rng.pick(NAME_SETS[locale].streets);
  const city = address(rng, locale, false).city;
  const amt = (lo: number, hi: number) =>
    Math.round(rng.float(lo, hi) * scale) * 100 + rng.pick([0, 0, 50, 99]);
  const later = (n: number) => addDays(incident, n);
  switch (kind) {
    case 'motor':
      return {
        location: `${street}, ${city}`,
        description: `While stopped at traffic lights on ${street}, my car was hit from behind by another vehicle. The rear bumper, boot lid and one tail light were damaged. The other driver gave their details at the scene. Repair estimate attached.`,
        expenses: [
          { date: later(3), description: 'Body shop repair estimate', amount: amt(900, 3200) },
          { date: later(1), description: 'Towing', amount: amt(90, 220) },
          { date: later(4), description: 'Hire car, 5 days', amount: amt(150, 400) },
        ],
      };
    case 'travel':
      return {
        location: `${city} airport`,
        description: `My checked suitcase did not arrive on flight ${rng.letters(2)}${rng.int(100, 999)}. The airline confirmed it is lost after 21 days. I had to buy clothing and toiletries while away. Receipts and the airline's property irregularity report are enclosed.`,
        expenses: [
          { date: later(1), description: 'Replacement clothing', amount: amt(120, 480) },
          { date: later(1), description: 'Toiletries', amount: amt(20, 70) },
          { date: later(21), description: 'Suitcase and contents (depreciated)', amount: amt(250, 900) },
        ],
      };
    case 'home':
      return {
        location: `${address(rng, locale, false).lines[0]}`,
        description: `A pipe burst under the kitchen sink overnight. Water spread across the kitchen floor and damaged a base cabinet and the laminate flooring. A plumber repaired the pipe the next morning and the floor was dried out.`,
        expenses: [
          { date: later(1), description: 'Emergency plumber call-out', amount: amt(150, 380) },
          { date: later(6), description: 'Replacement flooring, fitted', amount: amt(800, 2400) },
          { date: later(9), description: 'Base cabinet replacement', amount: amt(300, 900) },
        ],
      };
    case 'health':
      return {
        location: `${city}`,
        description: `I slipped on a wet step and fell on my left wrist. I was seen at the emergency department, had an X-ray and was treated for a sprain. Follow-up physiotherapy was recommended.`,
        expenses: [
          { date: incident, description: 'Emergency department consultation', amount: amt(180, 650) },
          { date: incident, description: 'X-ray, wrist', amount: amt(90, 260) },
          { date: later(10), description: 'Physiotherapy, 3 sessions', amount: amt(150, 330) },
        ],
      };
  }
}

export function claimData(req: DocRequest): ClaimData {
  const rng = req.rng;
  const locale = LOCALES[req.locale ?? rng.pick(CLAIM_LOCALES)];
  const kind = rng.pick(['motor', 'travel', 'home', 'health'] as const);
  const incident = randomDate(rng);
  const scale = { MYR: 3.5, SGD: 1.3, AUD: 1.5, CAD: 1.35, GBP: 0.85 }[locale.currency] ?? 1;
  const s = story(rng, kind, locale.id, incident, scale);
  const expenses = rng.sample(s.expenses, rng.int(2, 3)).sort((a, b) => daysBetween(b.date, a.date));
  const claimant = personName(rng, locale.id);
  // Signed after the last receipt it encloses.
  const latest = Math.max(...expenses.map((e) => daysBetween(incident, e.date)));
  const word =
    kind === 'health' ? 'Health Insurance' : rng.pick(INSURER_WORDS.filter((w) => w !== 'Health Insurance'));
  return {
    locale,
    money: MoneyFormat.pick(rng, locale, ['symbol', 'code', 'plain']),
    dateStyle: rng.pick(locale.dateStyles),
    insurer: `${rng.pick(INSURER_STEMS)} ${word} ${rng.pick(INSURER_SUFFIX[locale.id])}`,
    insurerAddress: address(rng, locale.id).lines,
    claimsPhone: phone(rng, locale.id),
    kind,
    policyNumber: rng.pick(POLICY_FORMATS)(rng, incident.y, kind),
    claimRef: `CLM-${rng.digits(7)}`,
    claimant,
    claimantAddress: address(rng, locale.id).lines,
    claimantPhone: phone(rng, locale.id),
    email: `${claimant
      .split(' ')[0]
      ?.toLowerCase()
      .replace(/[^a-z]/g, '')}@mail.example`,
    dob: randomDate(rng, { y: 1950, m: 1, d: 1 }, { y: 2002, m: 12, d: 31 }),
    incident,
    incidentTime: `${String(rng.int(6, 22)).padStart(2, '0')}:${rng.pick(['00', '15', '30', '45'])}`,
    location: s.location,
    claimDate: addDays(incident, latest + rng.int(1, 25)),
    description: s.description,
    expenses,
    amount: sum(expenses.map((e) => e.amount)),
  };
}
