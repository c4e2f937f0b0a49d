import { canonical, formatNumber } from './money.ts';
import { PdfKit } from './pdf-kit.ts';
import type { DocGenerator } from './types.ts';
import { W2_LAYOUTS } from './wage-statement.layout.ts';
import { w2Data } from './wage-statement.model.ts';

type LayoutName = keyof typeof W2_LAYOUTS;
const NAMES = Object.keys(W2_LAYOUTS) as LayoutName[];

export const wageStatementGenerator: DocGenerator = {
  docType: 'wage_statement',
  layouts: NAMES,
  async generate(req) {
    const rng = req.rng;
    const layout = (req.layout ?? rng.pick(NAMES)) as LayoutName;
    const d = w2Data(rng);
    // W-2s go out by January 31 of the following year.
    const kit = await PdfKit.create({
      title: `W-2 ${d.year}`,
      author: d.employer,
      date: new Date(Date.UTC(d.year + 1, 0, rng.int(10, 30), 9)),
    });
    W2_LAYOUTS[layout](kit, d, rng.fork('layout'));
    const money = {
      wages: d.wages,
      federalTaxWithheld: d.federal,
      socialSecurityWages: d.ssWages,
      socialSecurityTax: d.ssTax,
      medicareWages: d.medicareWages,
      medicareTax: d.medicareTax,
    };
    // The two-up layout prints bare figures without thousands separators, like payroll printers do.
    const printNum = (c: number) =>
      layout === 'twoUp' ? (c / 100).toFixed(2) : formatNumber(c, { decimal: '.', thousands: ',' });
    return {
      docType: 'wage_statement',
      layout: `wage_statement/${layout}`,
      locale: 'US',
      fields: {
        employerName: d.employer,
        employerId: d.ein,
        employeeName: d.employee,
        employeeSsn: d.ssn,
        taxYear: String(d.year),
        currency: 'USD',
        ...Object.fromEntries(Object.entries(money).map(([k, v]) => [k, canonical(v)])),
      },
      printed: {
        employerName: d.employer,
        employerId: d.ein,
        employeeName: d.employee,
        employeeSsn: d.ssn,
        taxYear: String(d.year),
        ...Object.fromEntries(Object.entries(money).map(([k, v]) => [k, printNum(v)])),
      },
      pdf: await kit.save(),
      pages: 1,
    };
  },
};
