import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './helpers/browser.ts';
import { INBOX_DIR } from './helpers/inbox.ts';
import { concatPdfs } from './helpers/multi-document.ts';
import { type ReviewService, startReviewService } from './helpers/review-service.ts';

/** Four sample documents in one PDF (invoice, receipt, two-page invoice, payslip). */
const PARTS = ['doc-001.pdf', 'doc-008.pdf', 'doc-002.pdf', 'doc-011.pdf'];

/**
 * The split control of the reviewer's page in Chromium: a part of a multi-document file shows
 * which part and pages it is and the file's grouping, and a reviewer regroups it from there.
 */
describe('review page: correcting a multi-document split', () => {
  let s: ReviewService;
  let browser: Browser;
  let page: Page;
  let fileId: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    s = await startReviewService();
    const scan = await concatPdfs(PARTS.map((f) => join(INBOX_DIR, f)));
    const [uploaded] = await s.upload([{ name: 'batch-scan.pdf', bytes: scan.bytes }]);
    fileId = uploaded!.documentId;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  const file = async () =>
    (await s.call(s.keys.reviewer, 'GET', `/v1/documents/${fileId}`)).body as unknown as {
      status: string;
      parts?: { documentId: string; status: string; pages: number[] }[];
    };

  it("shows a part's place in its file and the file's grouping, and regroups it", async () => {
    const before = await file();
    expect(before.status).toBe('split');
    expect(before.parts?.map((p) => p.pages)).toEqual([[1], [2], [3, 4], [5]]);

    await page.goto(`${s.baseUrl}/review`);
    await page.locator('#key').fill(s.keys.reviewer);
    await page.keyboard.press('Enter');
    await page.locator('#queue').waitFor({ state: 'visible' });
    const tasks = (await s.call(s.keys.reviewer, 'GET', '/v1/review/tasks')).body.tasks as {
      taskId: string;
      documentId: string;
    }[];
    const second = tasks.find((t) => t.documentId === `${fileId}-2`);
    expect(second).toBeDefined();
    await page.goto(`${s.baseUrl}/review#/task/${second!.taskId}`);

    const control = page.locator('#split-form');
    await control.waitFor({ state: 'visible' });
    expect(await control.textContent()).toContain('Part 2 of 4 of this file · pages 2');
    await expect.poll(() => page.locator('#split-groups').inputValue()).toBe('1; 2; 3-4; 5');

    // A grouping the page cannot read, and one the API refuses (pages 4 and 5 missing): the
    // reviewer is told, and the file keeps its parts.
    await page.locator('#split-groups').fill('1-2; x');
    await page.locator('#split-apply').click();
    await expect.poll(() => page.locator('#status').textContent()).toContain('"x" is not a page');
    await page.locator('#split-groups').fill('1-2; 3');
    await page.locator('#split-apply').click();
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/Refused/);
    expect((await file()).parts?.map((p) => p.pages)).toEqual([[1], [2], [3, 4], [5]]);

    // The reviewer decides the receipt belongs with the first invoice.
    await page.locator('#split-groups').fill('1-2; 3-4; 5');
    await page.locator('#split-apply').click();
    await expect.poll(() => page.locator('#status').textContent()).toContain('the file is now 3 documents');
    const after = await file();
    expect(after.parts?.map((p) => p.pages)).toEqual([[1, 2], [3, 4], [5]]);
    expect(pageErrors).toEqual([]);
  });

  it('offers to merge the parts, and says why a file with a posted part cannot be regrouped', async () => {
    const after = await file();
    // The reviewer's grouping is not doubted again: a confident part posts at once.
    expect(after.parts?.some((p) => p.status === 'posted')).toBe(true);
    const tasks = (await s.call(s.keys.reviewer, 'GET', '/v1/review/tasks')).body.tasks as {
      taskId: string;
      documentId: string;
    }[];
    const open = tasks.find((t) => after.parts?.some((p) => p.documentId === t.documentId));
    expect(open).toBeDefined();
    await page.goto(`${s.baseUrl}/review#/task/${open!.taskId}`);
    await expect.poll(() => page.locator('#split-groups').inputValue()).toBe('1-2; 3-4; 5');
    await page.locator('#split-merge').click();
    await expect.poll(() => page.locator('#status').textContent()).toContain('is posted');
    expect((await file()).parts?.map((p) => p.pages)).toEqual([[1, 2], [3, 4], [5]]);
  });
});
