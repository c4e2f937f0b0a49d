import type { Box } from '../schemas/common.ts';
import type { Line } from '../schemas/read.ts';

export function unionBox(boxes: readonly Box[]): Box {
  return {
    x0: Math.min(...boxes.map((b) => b.x0)),
    y0: Math.min(...boxes.map((b) => b.y0)),
    x1: Math.max(...boxes.map((b) => b.x1)),
    y1: Math.max(...boxes.map((b) => b.y1)),
  };
}

/** The middle value (the upper one of an even count); 0 for none. */
export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((p, q) => p - q);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function verticalOverlap(a: Box, b: Box): number {
  return Math.max(0, Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0));
}

/**
 * Tesseract sometimes splits a few marks off a line into a "line" of their own at the same
 * height, inside the span of the first ("Northwind Electrical Co." read as that line and
 * "E ri ." between its words). Such a splinter of one- and two-letter bits sitting between
 * another line's words is dropped: merged back it would put letters between the words.
 */
function isSplinter(line: Line, lines: readonly Line[]): boolean {
  if (line.words.some((w) => w.text.length > 2)) return false;
  const h = line.box.y1 - line.box.y0;
  return lines.some(
    (host) =>
      host !== line &&
      host.text.length > line.text.length &&
      verticalOverlap(host.box, line.box) >= 0.5 * Math.min(h, host.box.y1 - host.box.y0) &&
      host.words.some((w) => w.box.x1 <= line.box.x0) &&
      host.words.some((w) => w.box.x0 >= line.box.x1),
  );
}

/**
 * Joins lines that sit side by side on the page into one row, read left to right. Tesseract
 * splits a receipt's "TOTAL      9.00" into two blocks; extractors want label and value on one
 * line, as the text-layer path gives them. A line joins a row when it shares at least half of
 * the smaller height with the row's first line, so a tall heading cannot swallow two rows.
 */
export function mergeIntoRows(lines: readonly Line[]): Line[] {
  const centre = (l: Line) => (l.box.y0 + l.box.y1) / 2;
  const sorted = lines
    .filter((l) => !isSplinter(l, lines))
    .sort((p, q) => centre(p) - centre(q) || p.box.x0 - q.box.x0);
  const rows: { seed: Box; members: Line[] }[] = [];
  for (const line of sorted) {
    const h = line.box.y1 - line.box.y0;
    const row = rows.find((r) => {
      const rh = r.seed.y1 - r.seed.y0;
      const overlapsSeed = verticalOverlap(r.seed, line.box) >= 0.5 * Math.min(h, rh);
      // Side by side, not on top of each other: no word of the row may sit over this line.
      const clear = r.members.every((m) => m.box.x1 <= line.box.x0 || m.box.x0 >= line.box.x1);
      return overlapsSeed && clear;
    });
    if (row) row.members.push(line);
    else rows.push({ seed: line.box, members: [line] });
  }
  return rows
    .map(({ members }) => {
      if (members.length === 1) return members[0]!;
      const words = members.flatMap((m) => m.words).sort((p, q) => p.box.x0 - q.box.x0);
      return {
        text: words.map((w) => w.text).join(' '),
        box: unionBox(members.map((m) => m.box)),
        confidence: words.length ? words.reduce((s, w) => s + w.confidence, 0) / words.length : 0,
        words,
      };
    })
    .sort((p, q) => p.box.y0 - q.box.y0 || p.box.x0 - q.box.x0);
}
