import { asInstant } from './dates.ts';
import { dateOf, INVOICE_LAYOUTS } from './invoice.layout.ts';
import { invoiceData, invoicePrinted, invoiceTruth } from './invoice.model.ts';
import { PdfKit } from './pdf-kit.ts';
import type { DocGenerator } from './types.ts';

type LayoutName = keyof typeof INVOICE_LAYOUTS;
const NAMES = Object.keys(INVOICE_LAYOUTS) as LayoutName[];

export const invoiceGenerator: DocGenerator = {
  docType: 'invoice',
  layouts: NAMES,
  async generate(req) {
    const rng = req.rng;
    const layout = (req.layout ?? rng.pick(NAMES)) as LayoutName;
    const d = invoiceData(req);
    const kit = await PdfKit.create({
      title: `Invoice ${d.number}`,
      author: d.vendor.name,
      date: asInstant(d.date),
    });
    const shown = INVOICE_LAYOUTS[layout](kit, d, rng.fork('layout'));
    return {
      docType: 'invoice',
      layout: `invoice/${layout}`,
      locale: d.locale.id,
      fields: invoiceTruth(d, shown),
      printed: invoicePrinted(d, dateOf(d), shown),
      pdf: await kit.save(),
      pages: kit.pages.length,
    };
  },
};
