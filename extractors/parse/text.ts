/** Whitespace collapsed to single spaces and trimmed: how names and addresses are kept. */
export function collapse(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * The form labels and keywords are compared in: lower case, accents folded, punctuation
 * other than `#`, `%`, `&` and `/` turned into spaces (OCR scatters dots and colons).
 */
export function normalise(s: string): string {
  return collapse(
    s
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/ß/g, 'ss')
      .toLowerCase()
      .replace(/[^a-z0-9#%&/\s-]/g, ' ')
      .replace(/(?<![a-z0-9])-|-(?![a-z0-9])/g, ' '),
  );
}

/** Levenshtein distance, stopping early once it exceeds `max` (returns max + 1 then). */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * Edits tolerated when matching a keyword of this length: none up to six letters, where one
 * edit turns "tax" into "fax" and "change" into "charge"; one for longer ones, two for long
 * phrases.
 */
export function editAllowance(keyword: string): number {
  const n = keyword.replace(/\s/g, '').length;
  if (n >= 14) return 2;
  if (n >= 7) return 1;
  return 0;
}

/** Whether `text` equals `keyword` within the OCR edit allowance of the keyword. */
export function fuzzyEquals(text: string, keyword: string): boolean {
  if (text === keyword) return true;
  const max = editAllowance(keyword);
  return max > 0 && editDistance(text, keyword, max) <= max;
}

/** Form words one edit apart from another form word: read exactly, never as each other. */
const CONFUSABLE = new Set([
  'employee',
  'employer',
  'insured',
  'insurer',
  'payee',
  'payer',
  'claimant',
  'claimed',
  'deposit',
  'debited',
  'credited',
]);

const DIGIT_AS_LETTER: Record<string, string> = { '0': 'o', '1': 'l', '5': 's', '8': 'b' };

/**
 * A word with the digits OCR put for letters turned back ("T0TAL" -> "total"), when it is a
 * word: mostly letters, at most two such digits. Codes and numbers stay as they are.
 */
export function letterise(token: string): string {
  const digits = token.replace(/[^0158]/g, '').length;
  if (digits === 0 || digits > 2 || /[2-46-79]/.test(token) || token.replace(/[^a-z]/g, '').length < 3)
    return token;
  return token.replace(/[0158]/g, (d) => DIGIT_AS_LETTER[d]!);
}

/** Letters OCR swaps for each other; a word's first letter may only change within its group. */
const LOOKALIKE = ['il1|', 'o0', 's5', 'b8'];

/**
 * Whether two words start alike: the same letter, or letters OCR confuses ("lnvoice"). Other
 * first-letter changes are refused, or "total" would pass for "subtotal" minus a letter.
 */
function sameFirst(a: string, b: string): boolean {
  if (a[0] === b[0]) return true;
  return LOOKALIKE.some((g) => g.includes(a[0] ?? '') && g.includes(b[0] ?? ''));
}

/**
 * Matches a phrase (normalised, as words) against tokens starting at `i`. Word for word, each
 * word within its own edit allowance, so "invoice to" never passes for "invoice no"; or, for
 * OCR that dropped or added a space ("INVOICENO", "SUB TOTAL" for "subtotal"), the glued
 * letters exactly, or with one substitution when long. Returns the tokens used and the edits.
 */
export function matchAt(tokens: string[], i: number, phrase: string[]): { k: number; d: number } | null {
  const n = phrase.length;
  let best: { k: number; d: number } | null = null;
  if (i + n <= tokens.length) {
    let d = 0;
    for (let j = 0; j < n && d !== -1; j++) {
      const want = phrase[j]!;
      const got = letterise(tokens[i + j]!);
      if (got === want) continue;
      const max = CONFUSABLE.has(got) ? 0 : editAllowance(want);
      const e = max > 0 && sameFirst(got, want) ? editDistance(got, want, max) : max + 1;
      d = e <= max ? d + e : -1;
    }
    if (d >= 0) best = { k: n, d };
  }
  if (best?.d === 0) return best;
  const glued = phrase.join('');
  for (let k = Math.max(1, n - 1); k <= n + 1 && i + k <= tokens.length; k++) {
    if (k === n) continue;
    const got = tokens.slice(i, i + k).join('');
    if (got === glued) return { k, d: 0 };
    if (
      !best &&
      glued.length >= 7 &&
      got.length === glued.length &&
      sameFirst(got, glued) &&
      editDistance(got, glued, 1) <= 1
    ) {
      best = { k, d: 1 };
    }
  }
  return best;
}

/** Whether normalised `haystack` contains `phrase` (normalised) as whole words, as `matchAt` matches. */
export function containsPhrase(haystack: string, phrase: string): boolean {
  if (` ${haystack} `.includes(` ${phrase} `)) return true;
  const tokens = haystack.split(' ');
  const want = phrase.split(' ');
  for (let i = 0; i < tokens.length; i++) if (matchAt(tokens, i, want)) return true;
  return false;
}

/**
 * `haystack` with every match of `phrase` (as `matchAt` matches, so with OCR's slips) taken
 * out: a keyword inside a longer one ("invoice" in "Invaice #") must not count twice.
 */
export function withoutPhrase(haystack: string, phrase: string): string {
  const tokens = haystack.split(' ');
  const want = phrase.split(' ');
  const kept: string[] = [];
  for (let i = 0; i < tokens.length; ) {
    const m = matchAt(tokens, i, want);
    if (m) i += m.k;
    else kept.push(tokens[i++]!);
  }
  return kept.join(' ');
}
