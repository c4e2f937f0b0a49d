import type { Rng } from './prng.ts';

/** A calendar date with no time zone, so nothing shifts a day when the machine's TZ changes. */
export interface Ymd {
  y: number;
  m: number;
  d: number;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

export type DateStyle =
  | 'MM/DD/YYYY'
  | 'MM/DD/YY'
  | 'DD/MM/YYYY'
  | 'DD.MM.YYYY'
  | 'DD-MM-YYYY'
  | 'DD-MM-YY'
  | 'YYYY-MM-DD'
  | 'D Mon YYYY'
  | 'D Month YYYY'
  | 'Month D, YYYY'
  | 'Mon D, YYYY';

export function iso(date: Ymd): string {
  return `${date.y}-${pad(date.m)}-${pad(date.d)}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function toUtc(date: Ymd): Date {
  return new Date(Date.UTC(date.y, date.m - 1, date.d));
}

function fromUtc(t: Date): Ymd {
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

export function addDays(date: Ymd, days: number): Ymd {
  const t = toUtc(date);
  t.setUTCDate(t.getUTCDate() + days);
  return fromUtc(t);
}

export function lastDayOfMonth(y: number, m: number): Ymd {
  return fromUtc(new Date(Date.UTC(y, m, 0)));
}

/** Days from `a` to `b`. */
export function daysBetween(a: Ymd, b: Ymd): number {
  return Math.round((toUtc(b).getTime() - toUtc(a).getTime()) / 86_400_000);
}

/** A day between 2023-01-02 and 2025-06-30: recent enough to look current, fixed by seed. */
export function randomDate(
  rng: Rng,
  from: Ymd = { y: 2023, m: 1, d: 2 },
  to: Ymd = { y: 2025, m: 6, d: 30 },
) {
  return addDays(from, rng.int(0, daysBetween(from, to)));
}

/** Noon UTC of the date, used as the PDF's creation date so files are reproducible. */
export function asInstant(date: Ymd, hour = 9): Date {
  return new Date(Date.UTC(date.y, date.m - 1, date.d, hour, 0, 0));
}

export function formatDate(date: Ymd, style: DateStyle): string {
  const { y, m, d } = date;
  const month = MONTHS[m - 1] as string;
  switch (style) {
    case 'MM/DD/YYYY':
      return `${pad(m)}/${pad(d)}/${y}`;
    case 'MM/DD/YY':
      return `${pad(m)}/${pad(d)}/${pad(y % 100)}`;
    case 'DD/MM/YYYY':
      return `${pad(d)}/${pad(m)}/${y}`;
    case 'DD.MM.YYYY':
      return `${pad(d)}.${pad(m)}.${y}`;
    case 'DD-MM-YYYY':
      return `${pad(d)}-${pad(m)}-${y}`;
    case 'DD-MM-YY':
      return `${pad(d)}-${pad(m)}-${pad(y % 100)}`;
    case 'YYYY-MM-DD':
      return iso(date);
    case 'D Mon YYYY':
      return `${d} ${month.slice(0, 3)} ${y}`;
    case 'D Month YYYY':
      return `${d} ${month} ${y}`;
    case 'Month D, YYYY':
      return `${month} ${d}, ${y}`;
    case 'Mon D, YYYY':
      return `${month.slice(0, 3)} ${d}, ${y}`;
  }
}
