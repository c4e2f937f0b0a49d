import { asInstant, iso } from './dates.ts';
import { truthItems } from './items.ts';
import { BILL_LAYOUTS, billDateOf } from './medical-bill.layout.ts';
import { medicalBillData } from './medical-bill.model.ts';
import { canonical } from './money.ts';
import { joinAddress } from './names.ts';
import { PdfKit } from './pdf-kit.ts';
import type { DocGenerator } from './types.ts';

type LayoutName = keyof typeof BILL_LAYOUTS;
const NAMES = Object.keys(BILL_LAYOUTS) as LayoutName[];

export const medicalBillGenerator: DocGenerator = {
  docType: 'medical_bill',
  layouts: NAMES,
  async generate(req) {
    const rng = req.rng;
    const layout = (req.layout ?? rng.pick(NAMES)) as LayoutName;
    // The statement is a US form; the clinic and itemised bills are used everywhere.
    const locale = req.locale ?? (layout === 'statement' ? 'US' : undefined);
    const d = medicalBillData({ ...req, ...(locale ? { locale } : {}) });
    const kit = await PdfKit.create({
      title: 'Medical bill',
      author: d.provider,
      date: asInstant(d.billDate),
    });
    const shown = BILL_LAYOUTS[layout](kit, d, rng.fork('layout'));
    const date = billDateOf(d);
    return {
      docType: 'medical_bill',
      layout: `medical_bill/${layout}`,
      locale: d.locale.id,
      fields: {
        providerName: d.provider,
        providerAddress: joinAddress(d.providerAddress),
        patientName: d.patient,
        ...(shown.account ? { accountNumber: d.account } : {}),
        serviceDate: iso(d.serviceDate),
        ...(shown.billDate ? { billDate: iso(d.billDate) } : {}),
        ...(shown.dueDate ? { dueDate: iso(d.dueDate) } : {}),
        currency: d.locale.currency,
        totalCharges: canonical(d.totalCharges),
        ...(d.insurancePaid !== null ? { insurancePaid: canonical(d.insurancePaid) } : {}),
        amountDue: canonical(d.amountDue),
        lineItems: truthItems(d.items),
      },
      printed: {
        providerName: d.provider,
        providerAddress: d.providerAddress,
        patientName: d.patient,
        ...(shown.account ? { accountNumber: d.account } : {}),
        serviceDate: date(d.serviceDate),
        ...(shown.billDate ? { billDate: date(d.billDate) } : {}),
        ...(shown.dueDate ? { dueDate: date(d.dueDate) } : {}),
        totalCharges: d.money.number(d.totalCharges),
        ...(d.insurancePaid !== null ? { insurancePaid: d.money.number(d.insurancePaid) } : {}),
        amountDue: d.money.number(d.amountDue),
      },
      pdf: await kit.save(),
      pages: kit.pages.length,
    };
  },
};
