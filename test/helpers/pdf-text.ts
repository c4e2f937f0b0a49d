import { openPdf } from '../../pipeline/adapters/pdf.ts';
import { textLayerPage } from '../../pipeline/read.ts';
import type { ReadResult } from '../../schemas/read.ts';

/**
 * A digital PDF as the pipeline's text-layer path reads it (pipeline/adapters/pdf.ts), without
 * the OCR fallback: enough to test extractors on generated documents quickly.
 */
export async function readPdfText(bytes: Uint8Array, dpi = 200): Promise<ReadResult> {
  const doc = await openPdf(bytes);
  try {
    const pages: ReadResult['pages'] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      pages.push(textLayerPage(n, await doc.readTextLayer(n, dpi), dpi));
    }
    return { pages };
  } finally {
    await doc.close();
  }
}
