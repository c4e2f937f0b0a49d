import {
  type Color,
  grayscale,
  LineCapStyle,
  PDFDocument,
  type PDFFont,
  type PDFPage,
  rgb,
  StandardFonts,
} from 'pdf-lib';

/**
 * A thin drawing layer over pdf-lib with a top-left origin (layouts read top to bottom like
 * the page does) and the standard fonts only: they need no font files and keep the PDFs
 * small, at the price of WinAnsi text, which `text()` enforces by letting pdf-lib throw.
 */

export type FontKey = 'sans' | 'sansBold' | 'sansItalic' | 'serif' | 'serifBold' | 'mono' | 'monoBold';
export type Align = 'left' | 'right' | 'center';

export const PAGE_SIZES = {
  a4: [595.28, 841.89] as [number, number],
  letter: [612, 792] as [number, number],
};

export const MM = 72 / 25.4;

export interface TextOptions {
  font?: FontKey;
  size?: number;
  align?: Align;
  color?: Color;
}

export interface KitOptions {
  title: string;
  author: string;
  /** Creation and modification date: fixed so the same seed gives the same bytes. */
  date: Date;
}

const FONT_FILES: Record<FontKey, StandardFonts> = {
  sans: StandardFonts.Helvetica,
  sansBold: StandardFonts.HelveticaBold,
  sansItalic: StandardFonts.HelveticaOblique,
  serif: StandardFonts.TimesRoman,
  serifBold: StandardFonts.TimesRomanBold,
  mono: StandardFonts.Courier,
  monoBold: StandardFonts.CourierBold,
};

export const GREY = grayscale(0.45);
export const LIGHT = grayscale(0.9);
export const BLACK = grayscale(0);
export { rgb };

export class PdfKit {
  readonly pages: PDFPage[] = [];
  /** Font of the body text when a call does not name one. */
  baseFont: FontKey = 'sans';

  private constructor(
    readonly doc: PDFDocument,
    private readonly fonts: Record<FontKey, PDFFont>,
    private readonly options: KitOptions,
  ) {}

  static async create(options: KitOptions): Promise<PdfKit> {
    const doc = await PDFDocument.create({ updateMetadata: false });
    const fonts = {} as Record<FontKey, PDFFont>;
    for (const [key, file] of Object.entries(FONT_FILES)) {
      fonts[key as FontKey] = await doc.embedFont(file);
    }
    return new PdfKit(doc, fonts, options);
  }

  /** Index of the page drawing goes to; normally the last one added. */
  private current = -1;

  get page(): PDFPage {
    const page = this.pages[this.current];
    if (!page) throw new Error('no page yet: call addPage()');
    return page;
  }

  /** Draws on an earlier page, e.g. to add "Page 1 of 2" once the count is known. */
  onPage(index: number, draw: () => void): void {
    const saved = this.current;
    this.current = index;
    try {
      draw();
    } finally {
      this.current = saved;
    }
  }

  get pageWidth(): number {
    return this.page.getWidth();
  }

  get pageHeight(): number {
    return this.page.getHeight();
  }

  addPage(size: [number, number]): PDFPage {
    const page = this.doc.addPage(size);
    this.pages.push(page);
    this.current = this.pages.length - 1;
    return page;
  }

  font(key: FontKey): PDFFont {
    return this.fonts[key];
  }

  width(text: string, font: FontKey = this.baseFont, size = 10): number {
    return this.fonts[font].widthOfTextAtSize(text, size);
  }

  /** Draws one line of text with its baseline `y` points below the top edge. */
  text(value: string, x: number, y: number, opts: TextOptions = {}): void {
    const font = opts.font ?? this.baseFont;
    const size = opts.size ?? 10;
    const w = this.width(value, font, size);
    const left = opts.align === 'right' ? x - w : opts.align === 'center' ? x - w / 2 : x;
    this.page.drawText(value, {
      x: left,
      y: this.pageHeight - y,
      size,
      font: this.fonts[font],
      color: opts.color ?? BLACK,
    });
  }

  /** Greedy word wrap; a word longer than the width gets a line of its own. */
  wrap(value: string, maxWidth: number, font: FontKey = this.baseFont, size = 10): string[] {
    const lines: string[] = [];
    let current = '';
    for (const word of value.split(/\s+/).filter(Boolean)) {
      const candidate = current ? `${current} ${word}` : word;
      if (current && this.width(candidate, font, size) > maxWidth) {
        lines.push(current);
        current = word;
      } else {
        current = candidate;
      }
    }
    if (current) lines.push(current);
    return lines;
  }

  /** Draws wrapped text and returns the baseline of the next free line. */
  paragraph(value: string, x: number, y: number, maxWidth: number, opts: TextOptions & { leading?: number }) {
    const size = opts.size ?? 10;
    const leading = opts.leading ?? size * 1.3;
    let yy = y;
    for (const line of this.wrap(value, maxWidth, opts.font, size)) {
      this.text(line, x, yy, opts);
      yy += leading;
    }
    return yy;
  }

  line(
    x1: number,
    y1: number,
    x2: number,
    y2: number,
    thickness = 0.6,
    color: Color = BLACK,
    dash?: number[],
  ) {
    this.page.drawLine({
      start: { x: x1, y: this.pageHeight - y1 },
      end: { x: x2, y: this.pageHeight - y2 },
      thickness,
      color,
      lineCap: LineCapStyle.Butt,
      ...(dash ? { dashArray: dash } : {}),
    });
  }

  /** A rectangle whose top-left corner is (x, y). */
  rect(
    x: number,
    y: number,
    w: number,
    h: number,
    style: { fill?: Color; border?: Color; thickness?: number },
  ) {
    this.page.drawRectangle({
      x,
      y: this.pageHeight - y - h,
      width: w,
      height: h,
      ...(style.fill ? { color: style.fill } : {}),
      ...(style.border ? { borderColor: style.border, borderWidth: style.thickness ?? 0.6 } : {}),
    });
  }

  async save(): Promise<Uint8Array> {
    const { title, author, date } = this.options;
    this.doc.setTitle(title);
    this.doc.setAuthor(author);
    this.doc.setCreator(author);
    this.doc.setProducer('Paperline sample generator');
    this.doc.setCreationDate(date);
    this.doc.setModificationDate(date);
    // Object streams off: older PDF readers and some OCR tools still trip over them.
    return this.doc.save({ useObjectStreams: false });
  }
}
