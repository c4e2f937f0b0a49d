import type { Color } from 'pdf-lib';
import { type Align, BLACK, type FontKey, GREY, type PdfKit } from './pdf-kit.ts';

export interface Column {
  header: string;
  width: number;
  align: Align;
}

export interface TableStyle {
  font: FontKey;
  headerFont: FontKey;
  size: number;
  /** Shaded header band; none when absent. */
  headerFill?: Color;
  headerColor?: Color;
  /** Rules between rows: a hairline, a dashed line (till paper), or nothing. */
  rule: 'line' | 'dashed' | 'none';
  /** Rule under the header row. */
  headerRule?: boolean;
  padding?: number;
}

export interface TableRun {
  x: number;
  y: number;
  columns: Column[];
  rows: string[][];
  style: TableStyle;
  /** Lowest baseline a row may use before the table continues on a new page. */
  bottom: number;
  /** Starts the next page and returns where the table resumes. */
  onBreak: () => number;
}

/**
 * Draws a line-item table that wraps long descriptions and continues on following pages,
 * repeating the header as printed invoices do. Returns the y below the last row.
 */
export function drawTable(kit: PdfKit, run: TableRun): number {
  const { columns, style } = run;
  const pad = style.padding ?? 4;
  const lead = style.size * 1.25;
  let y = drawHeader(kit, run, run.y);
  for (const row of run.rows) {
    const cells = columns.map((c, i) =>
      c.align === 'left' ? kit.wrap(row[i] ?? '', c.width - 2 * pad, style.font, style.size) : [row[i] ?? ''],
    );
    const height = Math.max(...cells.map((c) => c.length)) * lead + pad;
    if (y + height > run.bottom) {
      y = drawHeader(kit, run, run.onBreak());
    }
    let x = run.x;
    columns.forEach((c, i) => {
      const lines = cells[i] ?? [];
      lines.forEach((line, li) => {
        const tx = c.align === 'right' ? x + c.width - pad : c.align === 'center' ? x + c.width / 2 : x + pad;
        kit.text(line, tx, y + style.size + li * lead, {
          font: style.font,
          size: style.size,
          align: c.align,
        });
      });
      x += c.width;
    });
    y += height;
    const width = columns.reduce((a, c) => a + c.width, 0);
    if (style.rule === 'line') kit.line(run.x, y, run.x + width, y, 0.3, GREY);
    if (style.rule === 'dashed') kit.line(run.x, y, run.x + width, y, 0.5, BLACK, [2, 2]);
  }
  return y;
}

function drawHeader(kit: PdfKit, run: TableRun, top: number): number {
  const { columns, style } = run;
  const pad = style.padding ?? 4;
  const width = columns.reduce((a, c) => a + c.width, 0);
  const height = style.size * 1.25 + pad * 2;
  if (style.headerFill) kit.rect(run.x, top, width, height, { fill: style.headerFill });
  let x = run.x;
  for (const c of columns) {
    const tx = c.align === 'right' ? x + c.width - pad : c.align === 'center' ? x + c.width / 2 : x + pad;
    kit.text(c.header, tx, top + pad + style.size, {
      font: style.headerFont,
      size: style.size,
      align: c.align,
      color: style.headerColor ?? BLACK,
    });
    x += c.width;
  }
  if (style.headerRule ?? true) kit.line(run.x, top + height, run.x + width, top + height, 0.8);
  return top + height + 2;
}

/** "Page 1 of 2" on every page once the page count is known. */
export function numberPages(kit: PdfKit, y: number, format = (i: number, n: number) => `Page ${i} of ${n}`) {
  const n = kit.pages.length;
  if (n < 2) return;
  kit.pages.forEach((_, i) => {
    kit.onPage(i, () =>
      kit.text(format(i + 1, n), kit.pageWidth / 2, kit.pageHeight - y, {
        size: 8,
        align: 'center',
        color: GREY,
      }),
    );
  });
}
