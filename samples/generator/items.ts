import type { LineItem } from '../../schemas/documents.ts';
import { type CatalogItem, price, quantity } from './catalog.ts';
import { type Cents, canonical, formatQuantity, lineAmount } from './money.ts';
import type { Rng } from './prng.ts';

export interface Item {
  description: string;
  /** Thousandths of a unit, so 1.5 hours is exact. */
  qty: number;
  unit: Cents;
  amount: Cents;
}

/**
 * `count` line items; catalog entries repeat only once the catalog runs out, and then at the
 * same unit price, as a price list would have it. `suffix` makes each row unique (a
 * consignment note number) for the long statements that run onto a second page.
 */
export function buildItems(
  rng: Rng,
  catalog: readonly CatalogItem[],
  count: number,
  currency: string,
  suffix?: (rng: Rng) => string,
): Item[] {
  const items: Item[] = [];
  const prices = new Map<string, number>();
  let pool: CatalogItem[] = [];
  while (items.length < count) {
    if (pool.length === 0) pool = rng.shuffle(catalog);
    const entry = pool.pop() as CatalogItem;
    const qty = quantity(rng, entry);
    const unit = prices.get(entry.description) ?? price(rng, entry.price, currency);
    prices.set(entry.description, unit);
    const description = suffix ? `${entry.description}${suffix(rng)}` : entry.description;
    items.push({ description, qty, unit, amount: lineAmount(qty, unit) });
  }
  return items;
}

/** Which columns of the item table a layout prints; the truth holds only those. */
export type ItemColumns = 'qty-price' | 'qty' | 'amount';

export function truthItems(items: readonly Item[], columns: ItemColumns = 'qty-price'): LineItem[] {
  return items.map((i) => ({
    description: i.description,
    ...(columns !== 'amount' ? { quantity: formatQuantity(i.qty) } : {}),
    ...(columns === 'qty-price' ? { unitPrice: canonical(i.unit) } : {}),
    amount: canonical(i.amount),
  }));
}
