import { editDistance } from './text.ts';

/**
 * Words that Malaysian and English addresses are made of: the states and federal territories
 * with their honorifics, the Malay words of streets, estates and buildings, the larger towns
 * and districts, and the English street words. Written from general knowledge of how these
 * addresses are printed, not taken from any dataset's labels, so that a word OCR misread by
 * one letter ("TANAN", "LUNPUR", "Perindusirian") can be set right without knowing the shop.
 */
const WORDS = `
johor kedah kelantan melaka malacca negeri sembilan pahang penang pinang perak perlis sabah
sarawak selangor terengganu labuan putrajaya kuala lumpur wilayah persekutuan malaysia
darul ehsan takzim aman naim khusus ridzuan makmur iman
jalan lorong lebuh lebuhraya persiaran lingkaran taman kampung kampong bandar baru kawasan
perindustrian perusahaan perniagaan pusat kompleks medan desa seksyen blok tingkat aras
bangunan plaza menara wisma utara selatan timur barat tengah simpang bukit sungai sungei batu
pantai pulau tanjung tanjong teluk padang kota seri indah jaya raya utama perdana damai mutiara
cahaya permai bestari lama pekan pasar stesen rehat rawat
bahru skudai masai pasir gudang kulai pahat muar kluang segamat pontian mersing tangkak
petaling subang shah alam klang kajang bangi semenyih serdang kembangan puchong cyberjaya
rawang selayang gombak ampang cheras kepong setapak sentul bangsar damansara brickfields
balakong sepang banting kapar meru sunway ipoh taiping georgetown butterworth seremban nilai
kuantan bentong raub genting highlands bharu alor setar petani kangar kinabalu kuching miri
sibu bintulu sandakan tawau lahad datu
street road avenue boulevard floor level block suite building centre center industrial
ground lane drive court square highway mall
`;

export const ADDRESS_WORDS: ReadonlySet<string> = new Set(WORDS.split(/\s+/).filter(Boolean));

/** Places written in two words: after the first, a word a letter from the second is that word. */
const PHRASES = `
kuala lumpur|johor bahru|shah alam|petaling jaya|darul ehsan|darul takzim|negeri sembilan|pulau pinang
seri kembangan|pasir gudang|batu pahat|kota kinabalu|kota bharu|alor setar|sungai petani
wilayah persekutuan|kuala terengganu|genting highlands|bandar baru
`
  .trim()
  .split(/[|\n]/)
  .map((p) => p.split(' ') as [string, string]);

const known = (w: string) => ADDRESS_WORDS.has(w.toLowerCase());

/** The lexicon word one edit from `word`, when there is exactly one; null otherwise. */
function nearest(word: string): string | null {
  let found: string | null = null;
  for (const w of ADDRESS_WORDS) {
    if (Math.abs(w.length - word.length) > 1 || editDistance(word.toLowerCase(), w, 1) > 1) continue;
    if (found) return null;
    found = w;
  }
  return found;
}

/** `word` written in the case `like` is written in: "JALAN", "Jalan" or "jalan". */
function inCaseOf(word: string, like: string): string {
  if (like === like.toUpperCase()) return word.toUpperCase();
  if (like[0] === like[0]!.toUpperCase()) return word[0]!.toUpperCase() + word.slice(1).toLowerCase();
  return word.toLowerCase();
}

/**
 * An address with the slips OCR makes in its words mended, where the address's own words
 * tell: two words it glued ("JalanTampoi", "JOHORBAHRU"), a word it split ("K awasan",
 * "MAL AYSIA"), and one letter wrong, dropped or added in a word of five letters or more
 * that one address word, and only one, is a letter away from ("Perindusirian"). Place names
 * are dense, and a real one is often a letter from another ("PERMAS" and "PERMAI", "SEGAR"
 * and "SETAR"), so a word of five or six letters is mended only when OCR was `unsure` of it
 * ("TANAN"); from seven letters up, one edit is what the keyword matcher allows too. After
 * the first word of a two-word place, a word a letter from its second is that word ("KUALA
 * LUNPUR", "Johor Bahnu"), however sure OCR was.
 * Numbers, codes and words with marks inside stay as printed.
 */
export function mendAddressWords(address: string, unsure: (token: string) => boolean = () => false): string {
  const tokens = address.split(' ');
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const next = tokens[i + 1];
    // A capital letter on its own before a lower-case word in a mixed-case address.
    if (next && /^\p{Lu}$/u.test(tok) && /^\p{Ll}{3,}[,.]?$/u.test(next)) {
      out.push(tok + next);
      i++;
      continue;
    }
    // A speck after the stop that ends the address, read as a letter: "KUALA SELANGOR.O".
    const speck = i === tokens.length - 1 && unsure(tok) ? /^(\p{L}{4,})\.\p{L}$/u.exec(tok) : null;
    if (speck && known(speck[1]!)) {
      out.push(`${speck[1]}.`);
      continue;
    }
    const m = /^(\p{L}+)([,.;]?)$/u.exec(tok);
    if (!m) {
      out.push(tok);
      continue;
    }
    const [, word, mark] = m as unknown as [string, string, string];
    const n = next ? /^(\p{L}+)([,.;]?)$/u.exec(next) : null;
    // Only with a piece too short to be a word of its own: "George Town" is two words.
    const piece = n && Math.min(word.length, n[1]!.length) <= 3;
    if (n && piece && !mark && !known(word) && !known(n[1]!) && known(word + n[1]!)) {
      out.push(word + next);
      i++;
      continue;
    }
    const before = out.at(-1)?.toLowerCase();
    const second = PHRASES.find(
      ([a, b]) => a === before && editDistance(word.toLowerCase(), b, 1) === 1,
    )?.[1];
    out.push((second && word.length >= 4 ? inCaseOf(second, word) : mendWord(word, unsure(tok))) + mark);
  }
  return out.join(' ');
}

function mendWord(word: string, unsure: boolean): string {
  if (known(word)) return word;
  // "JalanTampoi": a capital inside a word, after an address word or before one ("MacDonald"
  // is a name).
  const camel = /^(\p{Lu}\p{Ll}{2,})(\p{Lu}\p{Ll}{2,})$/u.exec(word);
  if (camel && (known(camel[1]!) || known(camel[2]!))) return `${camel[1]} ${camel[2]}`;
  // "JOHORBAHRU": two address words without the space between them.
  for (let k = 3; k <= word.length - 3; k++) {
    if (known(word.slice(0, k)) && known(word.slice(k))) return `${word.slice(0, k)} ${word.slice(k)}`;
  }
  // "JALANPUDU": a street word OCR ran into the name after it.
  const street = /^(jalan|taman|lorong|persiaran)(\p{L}{3,})$/iu.exec(word);
  if (street) return `${street[1]} ${street[2]}`;
  if (word.length < (unsure ? 5 : 7)) return word;
  const near = nearest(word);
  return near ? inCaseOf(near, word) : word;
}
