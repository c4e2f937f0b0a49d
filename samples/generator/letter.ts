import { addDays, asInstant, formatDate, randomDate } from './dates.ts';
import { LOCALE_IDS, LOCALES, MoneyFormat } from './locale.ts';
import { address, companyName, personName, phone } from './names.ts';
import { PAGE_SIZES, PdfKit } from './pdf-kit.ts';
import type { DocGenerator } from './types.ts';

/**
 * Documents of no known type: a business letter and an internal memo. They mention dates
 * and money on purpose, so a classifier cannot call anything with an amount an invoice.
 */
const LETTER_BODIES = [
  (when: string, other: string) => [
    `Thank you for your continued business over the past year. We are writing to let you know that our office will move to new premises from ${when}. Our telephone numbers and email addresses will not change.`,
    `Deliveries already scheduled will go ahead as planned. From ${other}, please send any correspondence to the new address shown below our signature.`,
    'If you have any questions about the move, please contact your account manager.',
  ],
  (when: string, _other: string, fee: string) => [
    `Following our meeting, I am pleased to confirm that we would like to renew the service agreement for a further twelve months, starting on ${when}, at the agreed fee of ${fee} per month.`,
    'The scope of work remains as described in the original agreement, including quarterly reviews and the annual site inspection. Please send us the updated agreement for signature at your convenience.',
    'We look forward to working with you again this year.',
  ],
];

const MEMO_BODIES: [string, (when: string) => string[]][] = [
  [
    'Car park closure',
    (when: string) => [
      `The car park on the east side of the building will be closed for resurfacing from ${when} for about two weeks. Staff who normally park there can use the visitor spaces at the front of the building during this period.`,
      'Please do not park on the access road, which must stay clear for deliveries and emergency vehicles.',
    ],
  ],
  [
    'Fire drill',
    (when: string) => [
      `Our annual fire drill is planned for the week of ${when}. The alarm will sound for about two minutes; please leave by the nearest exit and gather at the assembly point in the main car park.`,
      'Floor wardens will receive a short briefing beforehand. Thank you for your co-operation.',
    ],
  ],
];

export const letterGenerator: DocGenerator = {
  docType: 'unknown',
  layouts: ['letter', 'memo'],
  async generate(req) {
    const rng = req.rng;
    const layout = req.layout ?? rng.pick(['letter', 'memo']);
    const locale = LOCALES[req.locale ?? rng.pick(LOCALE_IDS)];
    const style = rng.pick(locale.dateStyles);
    const date = randomDate(rng);
    const when = formatDate(addDays(date, rng.int(14, 60)), style);
    const company = companyName(rng, locale.id);
    const kit = await PdfKit.create({
      title: layout === 'memo' ? 'Memo' : 'Letter',
      author: company,
      date: asInstant(date),
    });
    kit.addPage(PAGE_SIZES[locale.pageSize]);
    const W = kit.pageWidth;
    const M = 65;
    const sender = personName(rng, locale.id);
    const [subject, memoBody] = rng.pick(MEMO_BODIES);
    const fee = new MoneyFormat(locale, 'symbol').amount(rng.int(8, 60) * 5000);
    if (layout === 'memo') {
      kit.text('MEMORANDUM', M, 80, { font: 'sansBold', size: 20 });
      const rows: [string, string][] = [
        ['To:', 'All staff'],
        ['From:', `${sender}, Facilities`],
        ['Date:', formatDate(date, style)],
        ['Subject:', subject],
      ];
      rows.forEach(([k, v], i) => {
        kit.text(k, M, 120 + i * 18, { font: 'sansBold', size: 11 });
        kit.text(v, M + 70, 120 + i * 18, { size: 11 });
      });
      kit.line(M, 200, W - M, 200, 1);
      let y = 225;
      for (const p of memoBody(when)) y = kit.paragraph(p, M, y, W - 2 * M, { size: 11 }) + 8;
      kit.text(company, M, kit.pageHeight - 50, { size: 8 });
    } else {
      kit.text(company, M, 70, { font: 'serifBold', size: 16 });
      const from = address(rng, locale.id).lines;
      kit.text(`${from.join(', ')}   Tel ${phone(rng, locale.id)}`, M, 85, { font: 'serif', size: 8.5 });
      const to = address(rng, locale.id).lines;
      const recipient = personName(rng, locale.id);
      let y = 140;
      for (const line of [recipient, companyName(rng, locale.id), ...to]) {
        kit.text(line, M, y, { font: 'serif', size: 11 });
        y += 14;
      }
      kit.text(formatDate(date, style), W - M, 140, { font: 'serif', size: 11, align: 'right' });
      y += 30;
      kit.text(`Dear ${recipient.split(' ')[0]},`, M, y, { font: 'serif', size: 11 });
      y += 24;
      for (const p of rng.pick(LETTER_BODIES)(when, formatDate(addDays(date, 70), style), fee)) {
        y = kit.paragraph(p, M, y, W - 2 * M, { font: 'serif', size: 11 }) + 10;
      }
      y += 10;
      kit.text(rng.pick(['Yours sincerely,', 'Kind regards,', 'Best regards,']), M, y, {
        font: 'serif',
        size: 11,
      });
      kit.text(sender, M, y + 34, { font: 'sansItalic', size: 14 });
      kit.text(sender, M, y + 54, { font: 'serif', size: 11 });
      kit.text(rng.pick(['Operations Manager', 'Director', 'Account Manager']), M, y + 68, {
        font: 'serif',
        size: 11,
      });
    }
    return {
      docType: 'unknown',
      layout: `unknown/${layout}`,
      locale: locale.id,
      fields: {},
      printed: {},
      pdf: await kit.save(),
      pages: 1,
    };
  },
};
