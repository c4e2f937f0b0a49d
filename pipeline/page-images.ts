import { renderPdfPageImage } from './read.ts';
import { getDocument, getPages } from './repository.ts';
import type { Service } from './service.ts';

export interface PageImages {
  /**
   * The PNG of a document's page, the picture its evidence boxes are in pixels of; null when the
   * document has no such page (yet). A scanned page's image was stored when it was read; a
   * text-layer page is drawn from the original on its first request and kept in storage under
   * the page's image key, so later requests (from any process) are served from there.
   */
  get(documentId: string, pageNumber: number): Promise<Buffer | null>;
}

export function createPageImages(svc: Pick<Service, 'db' | 'store' | 'config'>): PageImages {
  // A reviewer's page and its thumbnails ask at once; one drawing serves them all.
  const drawing = new Map<string, Promise<Buffer | null>>();

  const draw = async (documentId: string, pageNumber: number): Promise<Buffer | null> => {
    const page = (await getPages(svc.db, documentId)).find((p) => p.number === pageNumber);
    if (!page) return null;
    const stored = await svc.store.get(page.imageKey);
    if (stored || page.read.source !== 'text-layer') return stored;
    const doc = await getDocument(svc.db, documentId);
    const original = doc ? await svc.store.get(doc.storageKey) : null;
    if (!original) return null;
    const png = await renderPdfPageImage(
      new Uint8Array(original),
      pageNumber,
      page.read.dpi,
      svc.config.limits,
    );
    await svc.store.put(page.imageKey, png, 'image/png');
    return png;
  };

  return {
    get(documentId, pageNumber) {
      const key = `${documentId}/${pageNumber}`;
      let pending = drawing.get(key);
      if (!pending) {
        pending = draw(documentId, pageNumber).finally(() => drawing.delete(key));
        drawing.set(key, pending);
      }
      return pending;
    },
  };
}
