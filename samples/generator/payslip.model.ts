import { addDays, type DateStyle, lastDayOfMonth, randomDate, type Ymd } from './dates.ts';
import { LOCALES, type Locale, type LocaleId, MoneyFormat } from './locale.ts';
import { type Cents, percentOf, sum } from './money.ts';
import { address, companyName, personName } from './names.ts';
import type { Rng } from './prng.ts';
import type { DocRequest } from './types.ts';

export interface PayLine {
  label: string;
  /** Hours or units with a rate, when the line is hourly. */
  units?: string;
  rate?: string;
  amount: Cents;
  ytd: Cents;
}

export interface PayslipData {
  locale: Locale;
  money: MoneyFormat;
  dateStyle: DateStyle;
  employer: string;
  employerAddress: string[];
  employee: string;
  employeeAddress: string[];
  employeeId: string;
  extraIds: [string, string][];
  title: string;
  start: Ymd;
  end: Ymd;
  payDate: Ymd;
  earnings: PayLine[];
  deductions: PayLine[];
  gross: Cents;
  totalDeductions: Cents;
  /** As printed: above gross only for the flawed case. */
  net: Cents;
  ytdGross: Cents;
  ytdNet: Cents;
}

const PAYSLIP_LOCALES: readonly LocaleId[] = ['US', 'UK', 'MY', 'AU', 'CA', 'DE', 'IE', 'SG', 'US', 'UK'];

/** Statutory deductions by country, as [label, percent of gross]. Close to real, not advice. */
const DEDUCTIONS: Record<LocaleId, [string, number][]> = {
  US: [
    ['Federal Income Tax', 11],
    ['Social Security', 6.2],
    ['Medicare', 1.45],
    ['State Income Tax', 4.5],
    ['401(k)', 5],
  ],
  UK: [
    ['Income Tax (PAYE)', 14],
    ['National Insurance', 8],
    ['Pension', 5],
  ],
  IE: [
    ['PAYE', 16],
    ['USC', 3],
    ['PRSI', 4],
  ],
  DE: [
    ['Income tax', 13],
    ['Solidarity surcharge', 0.5],
    ['Health insurance', 8.15],
    ['Pension insurance', 9.3],
    ['Unemployment insurance', 1.3],
    ['Long-term care insurance', 1.7],
  ],
  FR: [
    ['Income tax (PAS)', 7.5],
    ['Social security contributions', 9],
    ['CSG/CRDS', 9.7],
  ],
  NL: [
    ['Wage tax', 24],
    ['Pension', 6],
  ],
  MY: [
    ['EPF (KWSP)', 11],
    ['SOCSO (PERKESO)', 0.5],
    ['EIS (SIP)', 0.2],
    ['PCB (Income Tax)', 4],
  ],
  SG: [
    ['CPF Employee', 20],
    ['SHG Fund (CDAC)', 0.2],
  ],
  CA: [
    ['Federal Income Tax', 11],
    ['Provincial Income Tax', 5],
    ['CPP Contributions', 5.95],
    ['EI Premiums', 1.66],
  ],
  AU: [
    ['PAYG Withholding', 21],
    ['Salary Sacrifice (Super)', 2],
  ],
};

const BASE_MONTHLY: Partial<Record<LocaleId, [number, number]>> = {
  MY: [3200, 12000],
  SG: [4000, 11000],
};

export function payslipData(req: DocRequest): PayslipData {
  const rng = req.rng;
  const locale = LOCALES[req.locale ?? rng.pick(PAYSLIP_LOCALES)];
  const money = MoneyFormat.pick(rng, locale, ['symbol', 'plain', 'plain']);
  // US and CA pay every other week; elsewhere monthly.
  const biweekly = locale.id === 'US' || locale.id === 'CA';
  const anchor = randomDate(rng);
  const start = biweekly ? anchor : { y: anchor.y, m: anchor.m, d: 1 };
  const end = biweekly ? addDays(start, 13) : lastDayOfMonth(anchor.y, anchor.m);
  const payDate = biweekly ? addDays(end, rng.pick([3, 5, 6])) : addDays(end, -rng.pick([0, 2, 4]));
  const periodIndex = biweekly ? Math.max(1, Math.ceil((start.m * 30 + start.d) / 14)) : start.m;
  const [lo, hi] = BASE_MONTHLY[locale.id] ?? [2600, 7800];
  const monthly = rng.int(lo, hi) * 100;
  const earnings: PayLine[] = [];
  const ytd = (amount: Cents) => amount * periodIndex + rng.int(0, 3) * amount;
  if (biweekly && rng.chance(0.5)) {
    const rate = Math.round((monthly * 12) / 2080);
    const hours = 80;
    earnings.push(line('Regular', rate * hours, ytd(rate * hours), `${hours}.00`, money.number(rate)));
    if (rng.chance(0.6)) {
      const ot = rng.int(2, 12);
      const otRate = Math.round(rate * 1.5);
      earnings.push(line('Overtime 1.5x', otRate * ot, otRate * ot * 2, `${ot}.00`, money.number(otRate)));
    }
  } else {
    const base = biweekly ? Math.round((monthly * 12) / 26) : monthly;
    earnings.push(line(rng.pick(['Basic Salary', 'Salary', 'Base Pay']), base, ytd(base)));
    if (rng.chance(0.5)) {
      const allowance = rng.int(5, 40) * 1000;
      earnings.push(
        line(rng.pick(['Travel Allowance', 'Meal Allowance', 'Phone Allowance']), allowance, ytd(allowance)),
      );
    }
    if (rng.chance(0.3)) {
      const bonus = rng.int(2, 20) * 5000;
      earnings.push(line('Performance Bonus', bonus, bonus));
    }
  }
  const gross = sum(earnings.map((e) => e.amount));
  const deductions = DEDUCTIONS[locale.id].map(([label, pct]) => {
    const amount = percentOf(gross, pct);
    return line(label, amount, amount * periodIndex);
  });
  const totalDeductions = sum(deductions.map((d) => d.amount));
  const net = req.flaw === 'net-above-gross' ? gross + totalDeductions : gross - totalDeductions;
  const name = personName(rng, locale.id);
  return {
    locale,
    money,
    dateStyle: rng.pick(locale.dateStyles),
    employer: companyName(rng, locale.id),
    employerAddress: address(rng, locale.id).lines,
    employee: name,
    employeeAddress: address(rng, locale.id, false).lines,
    employeeId: rng.pick([
      `EMP-${rng.digits(5)}`,
      rng.digits(6),
      `E${rng.digits(4)}`,
      `${rng.letters(2)}${rng.digits(4)}`,
    ]),
    extraIds: extraIds(rng, locale.id),
    title: rng.pick(titles(locale.id)),
    start,
    end,
    payDate,
    earnings,
    deductions,
    gross,
    totalDeductions,
    net,
    ytdGross: sum(earnings.map((e) => e.ytd)),
    ytdNet: sum(earnings.map((e) => e.ytd)) - sum(deductions.map((d) => d.ytd)),
  };
}

function line(label: string, amount: Cents, ytd: Cents, units?: string, rate?: string): PayLine {
  return { label, amount, ytd, ...(units ? { units } : {}), ...(rate ? { rate } : {}) };
}

function titles(locale: LocaleId): string[] {
  if (locale === 'US' || locale === 'CA') return ['Earnings Statement', 'Pay Statement', 'Payroll Advice'];
  return ['Payslip', 'PAYSLIP', 'Pay Advice', 'Salary Slip'];
}

/** Tax references printed beside the employee, which extractors must not take for the id. */
function extraIds(rng: Rng, locale: LocaleId): [string, string][] {
  switch (locale) {
    case 'UK':
      return [
        ['Tax Code', rng.pick(['1257L', 'BR', '1257L M1'])],
        [
          'NI Number',
          `${rng.letters(2)} ${rng.digits(2)} ${rng.digits(2)} ${rng.digits(2)} ${rng.pick(['A', 'B', 'C', 'D'])}`,
        ],
      ];
    case 'US':
      return [['SSN', `XXX-XX-${rng.digits(4)}`]];
    case 'MY':
      return [
        ['EPF No.', rng.digits(8)],
        ['Income Tax No.', `IG ${rng.digits(10)}`],
      ];
    case 'AU':
      return [['TFN', `*** *** ${rng.digits(3)}`]];
    case 'CA':
      return [['SIN', `*** *** ${rng.digits(3)}`]];
    case 'IE':
      return [['PPSN', `${rng.digits(7)}${rng.letters(1)}`]];
    case 'DE':
      return [['Tax class', String(rng.int(1, 5))]];
    default:
      return [];
  }
}
