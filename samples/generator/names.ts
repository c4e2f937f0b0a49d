import type { LocaleId } from './locale.ts';
import type { Rng } from './prng.ts';

/**
 * Invented names and places, one set per country so that a document's address, currency and
 * date format agree. Every string must encode in WinAnsi (the standard PDF fonts).
 */

interface Region {
  city: string;
  /** Builds the city line, e.g. "Austin, TX 78701". */
  line: (rng: Rng) => string;
}

interface NameSet {
  first: readonly string[];
  last: readonly string[];
  streets: readonly string[];
  street: (rng: Rng, name: string) => string;
  regions: readonly Region[];
  suffixes: readonly string[];
  stems: readonly string[];
  phone: (rng: Rng) => string;
}

const n = (rng: Rng, digits: number) => rng.digits(digits);

const ANGLO_FIRST = ['James', 'Olivia', 'Michael', 'Emma', 'David', 'Sophia', 'Daniel', 'Grace', 'Ethan'];
const ANGLO_STEMS = [
  'Northwind',
  'Bluebird',
  'Summit Ridge',
  'Harbor Point',
  'Cedar & Vale',
  'Ironbridge',
  'Brightwater',
  'Silver Oak',
  'Keystone',
  'Redfern',
];
const INDUSTRIES = [
  'Office Supplies',
  'Consulting',
  'Logistics',
  'Print Works',
  'Engineering',
  'IT Services',
  'Catering',
  'Facilities',
  'Design Studio',
  'Electrical',
];

export const NAME_SETS: Record<LocaleId, NameSet> = {
  US: {
    first: [...ANGLO_FIRST, 'Ashley', 'Tyler', 'Maria', 'Kevin'],
    last: ['Johnson', 'Martinez', 'Carter', 'Nguyen', 'Robinson', 'Patel', 'Brooks', 'Sullivan', 'Kim'],
    streets: ['Maple Avenue', 'Main Street', 'Commerce Drive', 'Elm Street', 'Industrial Blvd', 'Oak Lane'],
    street: (rng, name) =>
      `${rng.int(10, 9899)} ${name}${rng.chance(0.3) ? `, Suite ${rng.int(100, 480)}` : ''}`,
    regions: [
      { city: 'Austin', line: (r) => `Austin, TX ${r.pick(['78701', '78704', '78745'])}` },
      { city: 'Columbus', line: (r) => `Columbus, OH ${r.pick(['43215', '43201'])}` },
      { city: 'Denver', line: (r) => `Denver, CO ${r.pick(['80202', '80205'])}` },
      { city: 'Raleigh', line: (r) => `Raleigh, NC ${r.pick(['27601', '27603'])}` },
      { city: 'Sacramento', line: (r) => `Sacramento, CA ${r.pick(['95814', '95816'])}` },
      { city: 'Brooklyn', line: (r) => `Brooklyn, NY ${r.pick(['11201', '11215'])}` },
    ],
    suffixes: ['Inc.', 'LLC', 'Corp.', 'Co.'],
    stems: ANGLO_STEMS,
    phone: (r) => `(${n(r, 3)}) ${n(r, 3)}-${n(r, 4)}`,
  },
  UK: {
    first: [...ANGLO_FIRST, 'Harriet', 'Oliver', 'Amelia', 'George'],
    last: ['Smith', 'Hughes', 'Clarke', 'Walsh', 'Khan', 'Thompson', 'Evans', 'Wright', 'Bennett'],
    streets: [
      'High Street',
      'Station Road',
      'Harcourt Street',
      'Mill Lane',
      'Victoria Road',
      'Church Street',
    ],
    street: (rng, name) => `${rng.chance(0.3) ? `Unit ${rng.int(1, 24)}, ` : ''}${rng.int(1, 240)} ${name}`,
    regions: [
      { city: 'Manchester', line: (r) => `Manchester M${r.int(1, 20)} ${r.int(1, 9)}${r.letters(2)}` },
      { city: 'Leeds', line: (r) => `Leeds LS${r.int(1, 17)} ${r.int(1, 9)}${r.letters(2)}` },
      { city: 'Bristol', line: (r) => `Bristol BS${r.int(1, 16)} ${r.int(1, 9)}${r.letters(2)}` },
      { city: 'London', line: (r) => `London EC${r.int(1, 4)}A ${r.int(1, 9)}${r.letters(2)}` },
    ],
    suffixes: ['Ltd', 'Limited', 'plc', 'LLP'],
    stems: ANGLO_STEMS,
    phone: (r) => `0${n(r, 3)} ${n(r, 3)} ${n(r, 4)}`,
  },
  IE: {
    first: ['Aoife', 'Cian', 'Niamh', 'Sean', 'Ciara', 'Conor', 'Siobhan', 'Darragh'],
    last: ["O'Brien", 'Murphy', 'Kelly', 'Byrne', 'Doyle', 'Gallagher', 'Keane', 'Nolan'],
    streets: ['Baggot Street', 'Ballymount Road', 'Patrick Street', 'Eyre Square', 'Dock Road'],
    street: (rng, name) => `${rng.int(1, 120)} ${name}`,
    regions: [
      { city: 'Dublin', line: (r) => `Dublin ${r.int(1, 18)}, D${r.int(10, 24)} ${r.letters(1)}${n(r, 3)}` },
      { city: 'Cork', line: (r) => `Cork, T12 ${r.letters(1)}${n(r, 3)}` },
      { city: 'Galway', line: (r) => `Galway, H91 ${r.letters(1)}${n(r, 3)}` },
    ],
    suffixes: ['Ltd', 'Limited', 'DAC'],
    stems: ['Liffey', 'Emerald Isle', 'Shannon Bay', 'Clover', 'Atlantic Edge', 'Wicklow'],
    phone: (r) => `+353 ${r.int(1, 99)} ${n(r, 3)} ${n(r, 4)}`,
  },
  DE: {
    first: ['Lukas', 'Anna', 'Jonas', 'Lea', 'Felix', 'Mia', 'Tobias', 'Katharina', 'Jürgen'],
    last: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Becker', 'Hoffmann', 'Krüger'],
    streets: ['Hauptstraße', 'Lindenstraße', 'Bahnhofstraße', 'Gartenweg', 'Industriestraße', 'Am Markt'],
    street: (rng, name) => `${name} ${rng.int(1, 140)}`,
    regions: [
      { city: 'Berlin', line: (r) => `${r.pick(['10115', '10245', '12043'])} Berlin` },
      { city: 'Hamburg', line: (r) => `${r.pick(['20095', '22765'])} Hamburg` },
      { city: 'München', line: (r) => `${r.pick(['80331', '81667'])} München` },
      { city: 'Köln', line: (r) => `${r.pick(['50667', '50823'])} Köln` },
    ],
    suffixes: ['GmbH', 'AG', 'GmbH & Co. KG', 'e.K.'],
    stems: ['Rheinwerk', 'Nordlicht', 'Brandt & Söhne', 'Alpenblick', 'Hansa', 'Elbtal', 'Weißdorn'],
    phone: (r) => `+49 ${r.int(30, 89)} ${n(r, 7)}`,
  },
  FR: {
    first: ['Camille', 'Louis', 'Chloé', 'Hugo', 'Léa', 'Julien', 'Manon', 'Théo'],
    last: ['Martin', 'Bernard', 'Dubois', 'Lefèvre', 'Moreau', 'Laurent', 'Girard', 'Rousseau'],
    streets: ['rue des Lilas', 'avenue Jean Jaurès', 'rue de la République', 'boulevard Voltaire'],
    street: (rng, name) => `${rng.int(1, 140)} ${name}`,
    regions: [
      { city: 'Lyon', line: (r) => `6900${r.int(1, 9)} Lyon` },
      { city: 'Paris', line: (r) => `750${String(r.int(1, 20)).padStart(2, '0')} Paris` },
      { city: 'Nantes', line: () => '44000 Nantes' },
      { city: 'Bordeaux', line: () => '33000 Bordeaux' },
    ],
    suffixes: ['SARL', 'SAS', 'SA'],
    stems: ['Atelier Lumière', 'Boréal', 'Les Artisans Réunis', 'Clairval', 'Horizon Sud', 'Valmont'],
    phone: (r) => `+33 ${r.int(1, 5)} ${n(r, 2)} ${n(r, 2)} ${n(r, 2)} ${n(r, 2)}`,
  },
  NL: {
    first: ['Daan', 'Sanne', 'Bram', 'Femke', 'Joris', 'Lotte', 'Thijs', 'Eva'],
    last: ['de Vries', 'Jansen', 'van Dijk', 'Bakker', 'Visser', 'Smit', 'de Boer', 'Mulder'],
    streets: ['Keizersgracht', 'Damrak', 'Stationsplein', 'Kanaalweg', 'Marktstraat'],
    street: (rng, name) => `${name} ${rng.int(1, 300)}`,
    regions: [
      { city: 'Amsterdam', line: (r) => `10${n(r, 2)} ${r.letters(2)} Amsterdam` },
      { city: 'Utrecht', line: (r) => `35${n(r, 2)} ${r.letters(2)} Utrecht` },
      { city: 'Rotterdam', line: (r) => `30${n(r, 2)} ${r.letters(2)} Rotterdam` },
    ],
    suffixes: ['B.V.', 'N.V.'],
    stems: ['Oranje', 'Tulpenveld', 'Grachtwerk', 'Noordzee', 'Polderman', 'Windkracht'],
    phone: (r) => `+31 ${r.int(10, 79)} ${n(r, 3)} ${n(r, 4)}`,
  },
  MY: {
    first: ['Ahmad', 'Siti', 'Wei Ling', 'Kumar', 'Nurul', 'Chee Keong', 'Priya', 'Faizal'],
    last: ['bin Ismail', 'binti Hassan', 'Tan', 'Lim', 'a/l Ramasamy', 'Wong', 'Lee', 'bin Abdullah'],
    streets: [
      'Jalan SS 15/4',
      'Jalan Ampang',
      'Jalan Sultan Ismail',
      'Jalan Dedap 13',
      'Jalan Bukit Bintang',
    ],
    street: (rng, name) => `No. ${rng.int(1, 88)}, ${name}`,
    regions: [
      { city: 'Subang Jaya', line: () => '47500 Subang Jaya, Selangor' },
      { city: 'Kuala Lumpur', line: (r) => `5${r.pick(['0450', '0250', '5100'])} Kuala Lumpur` },
      { city: 'Johor Bahru', line: () => '81100 Johor Bahru, Johor' },
      { city: 'George Town', line: () => '10200 George Town, Pulau Pinang' },
    ],
    suffixes: ['Sdn Bhd', 'Sdn. Bhd.', 'Bhd', 'Enterprise', 'Trading'],
    stems: ['Maju Jaya', 'Sinar Harapan', 'Bintang Timur', 'Perniagaan Setia', 'Mega Mewah'],
    phone: (r) => `03-${n(r, 4)} ${n(r, 4)}`,
  },
  SG: {
    first: ['Wei Jie', 'Hui Min', 'Arjun', 'Siti', 'Jun Hao', 'Mei Ling'],
    last: ['Tan', 'Lim', 'Ng', 'Goh', 'Rahman', 'Pillai'],
    streets: ['Anson Road', 'Orchard Road', 'Tanjong Pagar Road', 'Ubi Avenue 1'],
    street: (rng, name) =>
      `${rng.int(1, 300)} ${name} #${String(rng.int(2, 24)).padStart(2, '0')}-${n(rng, 2)}`,
    regions: [{ city: 'Singapore', line: (r) => `Singapore ${r.int(1, 8)}${n(r, 5)}` }],
    suffixes: ['Pte Ltd', 'Pte. Ltd.'],
    stems: ['Lion City', 'Merlion', 'Straits', 'Marina Bay', 'Orchid'],
    phone: (r) => `+65 ${n(r, 4)} ${n(r, 4)}`,
  },
  CA: {
    first: [...ANGLO_FIRST, 'Chloe', 'Liam', 'Mathieu', 'Isabelle'],
    last: ['Tremblay', 'Roy', 'MacDonald', 'Campbell', 'Wilson', 'Singh', 'Leblanc', 'Chen'],
    streets: ['King Street West', 'Portage Avenue', 'Rue Sainte-Catherine', 'Granville Street'],
    street: (rng, name) => `${rng.int(10, 2400)} ${name}${rng.chance(0.3) ? `, Unit ${rng.int(1, 40)}` : ''}`,
    regions: [
      { city: 'Toronto', line: (r) => `Toronto, ON M5H ${r.int(1, 9)}${r.letters(1)}${r.int(1, 9)}` },
      { city: 'Winnipeg', line: (r) => `Winnipeg, MB R3C ${r.int(1, 9)}${r.letters(1)}${r.int(1, 9)}` },
      { city: 'Vancouver', line: (r) => `Vancouver, BC V6B ${r.int(1, 9)}${r.letters(1)}${r.int(1, 9)}` },
    ],
    suffixes: ['Inc.', 'Ltd.', 'Corp.'],
    stems: ['Maple Leaf', 'Northern Pine', 'Great Lakes', 'Prairie Sky', 'Laurentian'],
    phone: (r) => `(${n(r, 3)}) ${n(r, 3)}-${n(r, 4)}`,
  },
  AU: {
    first: [...ANGLO_FIRST, 'Mia', 'Jack', 'Chloe', 'Lachlan'],
    last: ['Wilson', 'Taylor', 'Anderson', 'Walker', 'Nguyen', 'Harris', 'Kelly', 'Ryan'],
    streets: ['Pitt Street', 'Collins Street', 'George Street', 'Queen Street', 'Hay Street'],
    street: (rng, name) => `${rng.chance(0.4) ? `Level ${rng.int(1, 20)}, ` : ''}${rng.int(1, 500)} ${name}`,
    regions: [
      { city: 'Sydney', line: () => 'Sydney NSW 2000' },
      { city: 'Melbourne', line: () => 'Melbourne VIC 3000' },
      { city: 'Brisbane', line: () => 'Brisbane QLD 4000' },
      { city: 'Perth', line: () => 'Perth WA 6000' },
    ],
    suffixes: ['Pty Ltd', 'Pty. Ltd.'],
    stems: ['Southern Cross', 'Coral Coast', 'Eucalypt', 'Red Centre', 'Harbourside'],
    phone: (r) => `(0${r.int(2, 8)}) ${n(r, 4)} ${n(r, 4)}`,
  },
};

export function personName(rng: Rng, locale: LocaleId): string {
  const set = NAME_SETS[locale];
  return `${rng.pick(set.first)} ${rng.pick(set.last)}`;
}

/** A company name with its legal-form suffix, e.g. "Northwind Logistics Ltd". */
export function companyName(rng: Rng, locale: LocaleId, industry?: string): string {
  const set = NAME_SETS[locale];
  const trade = industry ?? rng.pick(INDUSTRIES);
  return `${rng.pick(set.stems)} ${trade} ${rng.pick(set.suffixes)}`;
}

export interface Address {
  lines: string[];
  city: string;
}

/** Address lines as printed; the country line is the locale clue, so it is always last. */
export function address(rng: Rng, locale: LocaleId, withCountry = true): Address {
  const set = NAME_SETS[locale];
  const region = rng.pick(set.regions);
  const lines = [set.street(rng, rng.pick(set.streets)), region.line(rng)];
  if (withCountry && locale !== 'SG') lines.push(countryName(locale));
  return { lines, city: region.city };
}

function countryName(locale: LocaleId): string {
  const names: Record<LocaleId, string> = {
    US: 'USA',
    UK: 'United Kingdom',
    IE: 'Ireland',
    DE: 'Germany',
    FR: 'France',
    NL: 'Netherlands',
    MY: 'Malaysia',
    SG: 'Singapore',
    CA: 'Canada',
    AU: 'Australia',
  };
  return names[locale];
}

export function phone(rng: Rng, locale: LocaleId): string {
  return NAME_SETS[locale].phone(rng);
}

/**
 * The canonical address: printed lines joined with `sep` (default ", "; receipts use " "),
 * whitespace collapsed (schemas/documents.ts says which per field).
 */
export function joinAddress(lines: readonly string[], sep = ', '): string {
  return lines.map((l) => l.replace(/\s+/g, ' ').trim()).join(sep);
}
