/**
 * How counts and limits are put into words for people: a clerk reads these in failed.jsonl, the
 * progress lines and the API's errors, so "1 page", and a limit always beside the figure over it.
 */

/** "1 page", "3 pages"; `many` for words whose plural is not an added s. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Megapixels, at most one decimal and none when whole: "625 MP", "1.5 MP". */
export function megapixels(pixels: number): string {
  const mp = pixels / 1e6;
  const text = mp >= 10 ? mp.toFixed(0) : mp.toFixed(1).replace(/\.0$/, '');
  return `${text} MP`;
}

/** "25000 x 25000 = 625 MP, over the 100 MP limit". */
export function pixelsOverLimit(width: number, height: number, maxPixels: number): string {
  return `${width} x ${height} = ${megapixels(width * height)}, over the ${megapixels(maxPixels)} limit`;
}
