import type { Cents } from './money.ts';
import type { Rng } from './prng.ts';

/**
 * What documents bill for. Prices are in the currency's minor units and loosely in line with
 * reality for USD/EUR/GBP; `priceScale` stretches them for MYR and friends.
 */

export interface CatalogItem {
  description: string;
  /** Unit price range in major units. */
  price: [number, number];
  /** Quantity range; fractional steps are in `step`. */
  qty: [number, number];
  step?: number;
}

const it = (description: string, price: [number, number], qty: [number, number] = [1, 5], step?: number) =>
  step === undefined ? { description, price, qty } : { description, price, qty, step };

export const INVOICE_CATALOG: Record<string, CatalogItem[]> = {
  'IT Services': [
    it('Consulting services - senior engineer (hours)', [95, 180], [2, 24], 0.5),
    it('Remote support, monthly retainer', [250, 900], [1, 1]),
    it('Laptop docking station USB-C', [120, 260], [1, 8]),
    it('Microsoft 365 Business Standard licence, 12 months', [110, 150], [3, 25]),
    it('Managed network switch 24-port', [280, 540], [1, 3]),
    it('On-site call-out fee', [60, 120], [1, 2]),
    it('Backup storage 1 TB, monthly', [18, 40], [1, 6]),
    it('Firewall configuration and hardening', [400, 1200], [1, 1]),
  ],
  'Office Supplies': [
    it('A4 copier paper 80gsm, box of 5 reams', [22, 38], [2, 20]),
    it('Ballpoint pens blue, pack of 50', [9, 16], [1, 10]),
    it('Toner cartridge, black, high yield', [68, 145], [1, 6]),
    it('Heavy duty stapler', [18, 35], [1, 4]),
    it('Archive boxes, pack of 10', [14, 26], [1, 8]),
    it('Whiteboard markers assorted, pack of 12', [8, 15], [1, 6]),
    it('Lever arch files A4, pack of 10', [16, 29], [1, 6]),
    it('Desk organiser, mesh', [7, 19], [1, 12]),
    it('Sticky notes 76x76mm, pack of 12', [6, 12], [1, 10]),
  ],
  Logistics: [
    it('Pallet delivery, zone 2', [45, 95], [1, 12]),
    it('Warehouse storage per pallet per week', [4, 9], [10, 80]),
    it('Fuel surcharge', [12, 60], [1, 1]),
    it('Same-day courier', [25, 80], [1, 6]),
    it('Handling fee', [15, 40], [1, 4]),
    it('Customs clearance documentation', [75, 160], [1, 2]),
  ],
  Catering: [
    it('Working lunch buffet (per person)', [12, 24], [10, 60]),
    it('Coffee and pastries (per person)', [5, 9], [10, 60]),
    it('Bottled water 500ml, case of 24', [8, 14], [1, 6]),
    it('Service staff (hours)', [22, 35], [4, 16], 0.5),
    it('Delivery and set-up', [30, 75], [1, 1]),
  ],
  Engineering: [
    it('Labour - site engineer (hours)', [65, 120], [4, 40], 0.5),
    it('Structural inspection report', [450, 1500], [1, 1]),
    it('CAD drawings, revision set', [180, 600], [1, 3]),
    it('Site visit and travel', [90, 220], [1, 4]),
    it('Materials testing, per sample', [35, 90], [2, 12]),
  ],
  Electrical: [
    it('Labour - electrician (hours)', [45, 85], [2, 24], 0.5),
    it('Cable 2.5mm twin and earth, 100m', [60, 110], [1, 4]),
    it('LED panel 600x600 40W', [25, 55], [2, 20]),
    it('Consumer unit 10-way', [90, 180], [1, 2]),
    it('Call-out charge', [40, 90], [1, 1]),
    it('Emergency lighting test and certificate', [120, 260], [1, 1]),
  ],
  'Design Studio': [
    it('Logo design, concept round', [400, 1500], [1, 2]),
    it('Brochure layout (per page)', [60, 140], [4, 16]),
    it('Photography, half day', [350, 750], [1, 2]),
    it('Stock image licence', [15, 60], [1, 10]),
    it('Revisions (hours)', [55, 95], [1, 8], 0.5),
  ],
  'Print Works': [
    it('Business cards, 500 pcs', [35, 70], [1, 6]),
    it('A5 flyers, 2500 pcs', [95, 180], [1, 3]),
    it('Roll-up banner 850x2000mm', [65, 130], [1, 4]),
    it('Letterheads, 1000 pcs', [70, 140], [1, 2]),
    it('Artwork setup', [25, 60], [1, 1]),
  ],
  Facilities: [
    it('Office cleaning, monthly contract', [600, 2400], [1, 1]),
    it('Window cleaning, external', [120, 380], [1, 1]),
    it('Carpet deep clean (per m2)', [3, 7], [40, 300]),
    it('Waste collection, 1100L bin lift', [18, 35], [4, 20]),
    it('Washroom consumables', [45, 160], [1, 3]),
  ],
  Consulting: [
    it('Advisory services (days)', [650, 1400], [1, 10], 0.5),
    it('Workshop facilitation', [900, 2500], [1, 2]),
    it('Travel expenses, at cost', [80, 600], [1, 1]),
    it('Report preparation', [500, 1800], [1, 1]),
  ],
};

export const INVOICE_INDUSTRIES = Object.keys(INVOICE_CATALOG);

export const RECEIPT_CATALOG: Record<string, CatalogItem[]> = {
  Mart: [
    it('MILK FULL CREAM 1L', [2, 7], [1, 3]),
    it('WHITE BREAD 600G', [2, 5], [1, 2]),
    it('EGGS GRADE A 10S', [3, 8], [1, 2]),
    it('BASMATI RICE 5KG', [12, 30], [1, 1]),
    it('MINERAL WATER 1.5L', [1, 3], [1, 6]),
    it('INSTANT NOODLES 5X80G', [3, 6], [1, 3]),
    it('COOKING OIL 2KG', [8, 14], [1, 1]),
    it('BANANA PER KG', [2, 5], [1, 2]),
    it('DISH SOAP 900ML', [3, 7], [1, 2]),
    it('TOILET ROLL 10S', [6, 15], [1, 1]),
  ],
  Hardware: [
    it('PVC TAPE 18MM BLACK', [1, 4], [1, 5]),
    it('SCREWDRIVER SET 6PC', [8, 22], [1, 1]),
    it('WOOD SCREW 4X40 100PC', [4, 9], [1, 3]),
    it('LED BULB E27 9W', [3, 9], [1, 6]),
    it('EXTENSION CORD 3M', [9, 25], [1, 2]),
    it('MASKING TAPE 24MM', [1, 4], [1, 4]),
    it('CABLE TIES 200MM 100PC', [2, 6], [1, 2]),
  ],
  Cafe: [
    it('Flat White', [3, 6], [1, 3]),
    it('Cappuccino', [3, 6], [1, 3]),
    it('Croissant', [2, 4], [1, 3]),
    it('Chicken Wrap', [6, 10], [1, 2]),
    it('Iced Latte', [4, 7], [1, 2]),
    it('Blueberry Muffin', [2, 5], [1, 2]),
    it('Soup of the Day', [5, 8], [1, 2]),
  ],
  Pharmacy: [
    it('PARACETAMOL 500MG 16S', [2, 6], [1, 2]),
    it('VITAMIN C 1000MG 30S', [6, 18], [1, 1]),
    it('HAND SANITISER 500ML', [4, 9], [1, 2]),
    it('PLASTERS ASSORTED 40S', [3, 7], [1, 1]),
    it('TOOTHPASTE 120G', [2, 6], [1, 3]),
    it('COUGH SYRUP 100ML', [5, 12], [1, 1]),
  ],
  Stationery: [
    it('A4 NOTEBOOK RULED', [2, 6], [1, 4]),
    it('GEL PEN BLUE 0.5', [1, 3], [1, 6]),
    it('HIGHLIGHTER SET 4PC', [3, 7], [1, 2]),
    it('ENVELOPE DL 25S', [2, 5], [1, 2]),
    it('CORRECTION TAPE', [1, 4], [1, 2]),
  ],
};

export const RECEIPT_KINDS = Object.keys(RECEIPT_CATALOG);

/** Medical services with a billing code, US (CPT-like) and elsewhere (tariff-like). */
export const MEDICAL_CATALOG: { us: CatalogItem[]; intl: CatalogItem[] } = {
  us: [
    it('99213 Office visit, est. patient', [120, 220], [1, 1]),
    it('99284 Emergency dept visit, high severity', [650, 1400], [1, 1]),
    it('85025 Complete blood count w/ diff', [28, 65], [1, 1]),
    it('80053 Comprehensive metabolic panel', [40, 110], [1, 1]),
    it('36415 Venipuncture', [12, 30], [1, 1]),
    it('71046 X-ray chest, 2 views', [120, 340], [1, 1]),
    it('93000 Electrocardiogram, 12-lead', [60, 180], [1, 1]),
    it('73610 X-ray ankle, 3 views', [110, 280], [1, 1]),
    it('J1100 Dexamethasone sodium phos 1mg', [2, 9], [2, 10]),
    it('96374 IV push, single drug', [140, 320], [1, 1]),
    it('97110 Therapeutic exercise, 15 min', [45, 95], [1, 4]),
    it('A4216 Sterile saline 10ml', [3, 8], [1, 6]),
    it('J7030 Normal saline solution 1000cc', [25, 80], [1, 3]),
    it('29515 Application of short leg splint', [160, 320], [1, 1]),
    it('0250 Pharmacy - ondansetron 4mg', [12, 38], [1, 4]),
    it('0270 Medical/surgical supplies', [20, 140], [1, 3]),
  ],
  intl: [
    it('Specialist consultation', [120, 280], [1, 1]),
    it('GP consultation', [45, 95], [1, 1]),
    it('Full blood count', [20, 45], [1, 1]),
    it('Liver function test', [25, 60], [1, 1]),
    it('Ultrasound, abdomen', [150, 320], [1, 1]),
    it('X-ray, chest PA', [60, 140], [1, 1]),
    it('Ward accommodation (per day)', [180, 450], [1, 4]),
    it('Nursing care (per day)', [90, 210], [1, 4]),
    it('Physiotherapy session', [55, 110], [1, 6]),
    it('Dressing and wound care', [25, 70], [1, 3]),
    it('Pharmacy - amoxicillin 500mg', [8, 24], [1, 3]),
    it('Pharmacy - paracetamol IV 1g', [6, 18], [1, 8]),
    it('Theatre fee, minor procedure', [400, 1200], [1, 1]),
    it('Consumables', [15, 90], [1, 4]),
  ],
};

/** Price scale per currency, so a coffee is not RM 3.50 nor $15. */
export const PRICE_SCALE: Record<string, number> = {
  USD: 1,
  EUR: 1,
  GBP: 0.85,
  MYR: 3.8,
  SGD: 1.3,
  CAD: 1.35,
  AUD: 1.5,
};

/** A price in cents within `range` (major units), ending the way shop prices do. */
export function price(rng: Rng, range: [number, number], currency: string): Cents {
  const scale = PRICE_SCALE[currency] ?? 1;
  const major = rng.float(range[0], range[1]) * scale;
  const endings = major < 20 ? [0, 50, 95, 99, 25, 75, 49] : [0, 0, 50, 95, 99];
  const whole = Math.max(0, Math.floor(major));
  const cents = whole * 100 + rng.pick(endings);
  return Math.max(cents, 5);
}

/** Quantity in thousandths of a unit. */
export function quantity(rng: Rng, item: CatalogItem): number {
  const [lo, hi] = item.qty;
  if (!item.step) return rng.int(lo, hi) * 1000;
  const steps = Math.round((hi - lo) / item.step);
  return Math.round((lo + rng.int(0, steps) * item.step) * 1000);
}
