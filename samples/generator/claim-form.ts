import { CLAIM_LAYOUTS, claimDateOf } from './claim-form.layout.ts';
import { claimData } from './claim-form.model.ts';
import { asInstant, iso } from './dates.ts';
import { canonical } from './money.ts';
import { PdfKit } from './pdf-kit.ts';
import type { DocGenerator } from './types.ts';

type LayoutName = keyof typeof CLAIM_LAYOUTS;
const NAMES = Object.keys(CLAIM_LAYOUTS) as LayoutName[];

export const claimFormGenerator: DocGenerator = {
  docType: 'claim_form',
  layouts: NAMES,
  async generate(req) {
    const rng = req.rng;
    // Only the sectioned form has a second page to spill onto.
    const layout = (req.layout ?? (req.long ? 'sections' : rng.pick(NAMES))) as LayoutName;
    const d = claimData(req);
    const kit = await PdfKit.create({ title: 'Claim form', author: d.insurer, date: asInstant(d.claimDate) });
    const shown = CLAIM_LAYOUTS[layout](kit, d, rng.fork('layout'), req.long ?? false);
    const date = claimDateOf(d);
    const description = d.description.replace(/\s+/g, ' ').trim();
    return {
      docType: 'claim_form',
      layout: `claim_form/${layout}`,
      locale: d.locale.id,
      fields: {
        insurerName: d.insurer,
        policyNumber: d.policyNumber,
        claimantName: d.claimant,
        incidentDate: iso(d.incident),
        ...(shown.claimDate ? { claimDate: iso(d.claimDate) } : {}),
        currency: d.locale.currency,
        amountClaimed: canonical(d.amount),
        ...(shown.description ? { description } : {}),
      },
      printed: {
        insurerName: d.insurer,
        policyNumber: d.policyNumber,
        claimantName: d.claimant,
        incidentDate: date(d.incident),
        ...(shown.claimDate ? { claimDate: date(d.claimDate) } : {}),
        amountClaimed: d.money.number(d.amount),
      },
      pdf: await kit.save(),
      pages: kit.pages.length,
    };
  },
};
