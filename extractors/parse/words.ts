import { createRequire } from 'node:module';
import { ADDRESS_WORDS } from './address-words.ts';

let english: ReadonlySet<string> | null = null;

/**
 * Whether `word` is a word of the language rather than a misreading of one: an English word
 * (the ~275,000 of an-array-of-english-words, lower case) or a word of Malaysian addresses.
 * The list is 3 MB of JSON, loaded on first use, so a process that never asks never pays.
 */
export function isKnownWord(word: string): boolean {
  english ??= new Set(createRequire(import.meta.url)('an-array-of-english-words') as string[]);
  const w = word.toLowerCase();
  return english.has(w) || ADDRESS_WORDS.has(w);
}
