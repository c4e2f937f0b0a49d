import { z } from 'zod';
import { BoxSchema } from './common.ts';

export const WordSchema = z.object({
  text: z.string(),
  box: BoxSchema,
  confidence: z.number().min(0).max(1).describe('1 for text-layer words'),
});
export type Word = z.infer<typeof WordSchema>;

export const LineSchema = z.object({
  text: z.string().describe('the words of the line joined by single spaces'),
  box: BoxSchema,
  confidence: z.number().min(0).max(1),
  words: z.array(WordSchema),
  alone: z
    .string()
    .optional()
    .describe(
      'the line read again cropped on its own, as one text line: a second look at the top lines of a scanned page, where the issuer is named',
    ),
});
export type Line = z.infer<typeof LineSchema>;

export const PreprocessInfoSchema = z.object({
  rotation: z
    .union([z.literal(0), z.literal(90), z.literal(180), z.literal(270)])
    .describe('clockwise degrees the page was turned to make it upright'),
  deskewAngle: z.number().describe('degrees of small-angle skew corrected'),
  scale: z.number().describe('resize factor applied before OCR'),
  steps: z.array(z.string()).describe('what was done, in order'),
});
export type PreprocessInfo = z.infer<typeof PreprocessInfoSchema>;

/** One page as the extractors see it, whichever way it was read. */
export const PageReadSchema = z.object({
  number: z.number().int().min(1),
  source: z.enum(['text-layer', 'ocr']).describe('which path the page took'),
  width: z.number().describe('page image width, px'),
  height: z.number().describe('page image height, px'),
  dpi: z.number().describe('resolution the page image is at'),
  lines: z.array(LineSchema).describe('lines in reading order, top to bottom'),
  preprocess: PreprocessInfoSchema.nullable().describe('null for text-layer pages'),
  ocrConfidence: z.number().min(0).max(1).nullable(),
});
export type PageRead = z.infer<typeof PageReadSchema>;

/** An XML file a PDF carries as an attachment (Factur-X, ZUGFeRD), or an XML file uploaded on its own. */
export interface XmlAttachment {
  name: string;
  xml: string;
}

export type ReadResult = {
  pages: PageRead[];
  /** XML attachments that may be a structured e-invoice; absent when there are none. */
  attachments?: XmlAttachment[];
};
