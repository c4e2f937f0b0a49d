/**
 * Money is kept in integer cents so the printed arithmetic is exact: a subtotal is the sum
 * of the printed line amounts, never a float that rounds differently on the page.
 */

export type Cents = number;

/** Canonical form of DESIGN.md: "1234.50", "-3.00". */
export function canonical(cents: Cents): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(Math.round(cents));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function sum(values: readonly Cents[]): Cents {
  return values.reduce((a, b) => a + b, 0);
}

/** Percent of an amount, rounded half away from zero, as tills and invoicing tools do. */
export function percentOf(cents: Cents, percent: number): Cents {
  const raw = (cents * percent) / 100;
  return Math.sign(raw) * Math.round(Math.abs(raw) + 1e-9);
}

export interface NumberStyle {
  /** Decimal separator. */
  decimal: '.' | ',';
  /** Thousands separator; '' prints 1234.50. */
  thousands: ',' | '.' | ' ' | '' | "'";
}

/** Digits only, no currency: "1,234.50" or "1.234,50". */
export function formatNumber(cents: Cents, style: NumberStyle): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(Math.round(cents));
  const whole = String(Math.floor(abs / 100));
  const grouped = style.thousands ? whole.replace(/\B(?=(\d{3})+(?!\d))/g, style.thousands) : whole;
  return `${sign}${grouped}${style.decimal}${String(abs % 100).padStart(2, '0')}`;
}

/** Quantities print without trailing zeros: "2", "1.5". */
export function formatQuantity(thousandths: number): string {
  const whole = Math.floor(thousandths / 1000);
  const frac = thousandths % 1000;
  if (frac === 0) return String(whole);
  return `${whole}.${String(frac).padStart(3, '0').replace(/0+$/, '')}`;
}

/** Line amount of `quantity` (thousandths of a unit) at `unit` cents, rounded to the cent. */
export function lineAmount(quantityThousandths: number, unit: Cents): Cents {
  return Math.round((quantityThousandths * unit) / 1000);
}
