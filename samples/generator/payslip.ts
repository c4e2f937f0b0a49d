import { asInstant, iso } from './dates.ts';
import { canonical } from './money.ts';
import { PAYSLIP_LAYOUTS, payDateOf } from './payslip.layout.ts';
import { payslipData } from './payslip.model.ts';
import { PdfKit } from './pdf-kit.ts';
import type { DocGenerator, Printed } from './types.ts';

type LayoutName = keyof typeof PAYSLIP_LAYOUTS;
const NAMES = Object.keys(PAYSLIP_LAYOUTS) as LayoutName[];

export const payslipGenerator: DocGenerator = {
  docType: 'payslip',
  layouts: NAMES,
  async generate(req) {
    const rng = req.rng;
    const layout = (req.layout ?? rng.pick(NAMES)) as LayoutName;
    // A cheque stub is a North American thing; the other layouts go anywhere.
    const locale = req.locale ?? (layout === 'stub' ? rng.pick(['US', 'CA'] as const) : undefined);
    const d = payslipData({ ...req, ...(locale ? { locale } : {}) });
    const kit = await PdfKit.create({ title: d.title, author: d.employer, date: asInstant(d.payDate) });
    const shown = PAYSLIP_LAYOUTS[layout](kit, d, rng.fork('layout'));
    const date = payDateOf(d);
    const fields: Record<string, unknown> = {
      employerName: d.employer,
      employeeName: d.employee,
      ...(shown.employeeId ? { employeeId: d.employeeId } : {}),
      payPeriodStart: iso(d.start),
      payPeriodEnd: iso(d.end),
      ...(shown.payDate ? { payDate: iso(d.payDate) } : {}),
      currency: d.locale.currency,
      grossPay: canonical(d.gross),
      ...(shown.totalDeductions ? { totalDeductions: canonical(d.totalDeductions) } : {}),
      netPay: canonical(d.net),
    };
    const printed: Printed = {
      employerName: d.employer,
      employeeName: d.employee,
      ...(shown.employeeId ? { employeeId: d.employeeId } : {}),
      payPeriodStart: date(d.start),
      payPeriodEnd: date(d.end),
      ...(shown.payDate ? { payDate: date(d.payDate) } : {}),
      grossPay: d.money.number(d.gross),
      ...(shown.totalDeductions ? { totalDeductions: d.money.number(d.totalDeductions) } : {}),
      netPay: d.money.number(d.net),
    };
    return {
      docType: 'payslip',
      layout: `payslip/${layout}`,
      locale: d.locale.id,
      fields,
      printed,
      pdf: await kit.save(),
      pages: kit.pages.length,
    };
  },
};
