import { type Cents, percentOf } from './money.ts';
import { address, companyName, personName } from './names.ts';
import type { Rng } from './prng.ts';

/** Social security wage base by tax year (box 3 is capped at it). */
const WAGE_BASE: Record<number, Cents> = { 2022: 14_700_000, 2023: 16_020_000, 2024: 16_860_000 };

export interface W2Data {
  year: number;
  employer: string;
  employerAddress: string[];
  ein: string;
  stateId: string;
  state: string;
  controlNumber: string;
  employee: string;
  employeeAddress: string[];
  ssn: string;
  wages: Cents;
  federal: Cents;
  ssWages: Cents;
  ssTax: Cents;
  medicareWages: Cents;
  medicareTax: Cents;
  retirement: Cents;
  stateWages: Cents;
  stateTax: Cents;
}

export function w2Data(rng: Rng): W2Data {
  const year = rng.pick([2022, 2023, 2024]);
  const gross = rng.int(28_000, 185_000) * 100 + rng.int(0, 99);
  // A 401(k) deferral lowers box 1 but not boxes 3 and 5, which is why they differ.
  const retirement = rng.chance(0.6) ? percentOf(gross, rng.pick([3, 4, 5, 6, 8])) : 0;
  const wages = gross - retirement;
  const ssWages = Math.min(gross, WAGE_BASE[year] ?? gross);
  const addr = address(rng, 'US', false);
  const state = addr.lines[1]?.match(/, ([A-Z]{2}) /)?.[1] ?? 'TX';
  return {
    year,
    employer: companyName(rng, 'US'),
    employerAddress: addr.lines,
    ein: `${rng.digits(2)}-${rng.digits(7)}`,
    stateId: `${rng.digits(3)}-${rng.digits(5)}`,
    state,
    controlNumber: rng.chance(0.5) ? `${rng.letters(2)}${rng.digits(6)}` : '',
    employee: personName(rng, 'US'),
    employeeAddress: address(rng, 'US', false).lines,
    // Area numbers 900-999 are never issued as SSNs, so no real person's number is printed.
    ssn: `9${rng.digits(2)}-${rng.digits(2)}-${rng.digits(4)}`,
    wages,
    federal: percentOf(wages, rng.pick([9, 11, 12.5, 14, 17])),
    ssWages,
    ssTax: percentOf(ssWages, 6.2),
    medicareWages: gross,
    medicareTax: percentOf(gross, 1.45),
    retirement,
    stateWages: wages,
    stateTax: state === 'TX' ? 0 : percentOf(wages, rng.pick([3.5, 4.25, 5])),
  };
}
