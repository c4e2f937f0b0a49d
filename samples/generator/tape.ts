import { type FontKey, MM, type PdfKit } from './pdf-kit.ts';

/**
 * Till receipts are as long as their content, so a receipt is laid out first as a list of
 * draw steps and only then given a page of the height it turned out to need.
 */
export class Tape {
  private readonly steps: ((kit: PdfKit) => void)[] = [];
  y: number;

  constructor(
    readonly width = 80 * MM,
    readonly margin = 5 * MM,
    readonly font: FontKey = 'mono',
    readonly bold: FontKey = 'monoBold',
    readonly size = 8,
  ) {
    this.y = 8 * MM;
  }

  get right(): number {
    return this.width - this.margin;
  }

  private advance(size: number): number {
    this.y += size * 1.3;
    return this.y;
  }

  center(text: string, opts: { bold?: boolean; size?: number } = {}): void {
    const size = opts.size ?? this.size;
    const y = this.advance(size);
    const font = opts.bold ? this.bold : this.font;
    this.steps.push((kit) => kit.text(text, this.width / 2, y, { font, size, align: 'center' }));
  }

  left(text: string, opts: { bold?: boolean; size?: number; indent?: number } = {}): void {
    const size = opts.size ?? this.size;
    const y = this.advance(size);
    const font = opts.bold ? this.bold : this.font;
    this.steps.push((kit) => kit.text(text, this.margin + (opts.indent ?? 0), y, { font, size }));
  }

  /** Label at the left, amount flush right; `mid` is an optional middle column. */
  row(
    left: string,
    right: string,
    opts: { bold?: boolean; size?: number; mid?: [string, number] } = {},
  ): void {
    const size = opts.size ?? this.size;
    const y = this.advance(size);
    const font = opts.bold ? this.bold : this.font;
    this.steps.push((kit) => {
      kit.text(left, this.margin, y, { font, size });
      if (opts.mid) kit.text(opts.mid[0], opts.mid[1], y, { font, size, align: 'right' });
      kit.text(right, this.right, y, { font, size, align: 'right' });
    });
  }

  /** Dashes drawn as text, like a till prints them (they OCR as a separator line). */
  rule(char = '-'): void {
    const y = this.advance(this.size);
    this.steps.push((kit) => {
      const w = kit.width(char, this.font, this.size);
      const count = Math.floor((this.right - this.margin) / w);
      kit.text(char.repeat(count), this.margin, y, { font: this.font, size: this.size });
    });
  }

  gap(points = 4): void {
    this.y += points;
  }

  /** Adds the page, sized to the content, and draws everything. */
  render(kit: PdfKit): void {
    kit.addPage([this.width, this.y + 10 * MM]);
    for (const step of this.steps) step(kit);
  }
}
