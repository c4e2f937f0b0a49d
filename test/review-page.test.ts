import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './helpers/browser.ts';
import { INBOX_DIR } from './helpers/inbox.ts';
import { type ReviewService, startReviewService } from './helpers/review-service.ts';
import { KESTREL_FIRST, kestrelInvoicePdf } from './helpers/vendor-invoice.ts';

const ARTIFACTS = new URL('../test-artifacts/', import.meta.url).pathname;

/**
 * The reviewer's page in Debian's Chromium: log in with a reviewer key, open the queue, claim
 * the vendor invoice the rules could not read, fix its number by clicking the word on the
 * page and its date by typing, approve from the keyboard; the record is delivered once.
 */
describe('review page in Chromium', () => {
  let s: ReviewService;
  let browser: Browser;
  let page: Page;
  let kestrel: string;
  const consoleErrors: string[] = [];
  const failed: string[] = [];

  beforeAll(async () => {
    s = await startReviewService({ PAPERLINE_REVIEW_SLA_HOURS_FINANCE: '8' });
    const docs = await s.upload([
      { name: 'kestrel-KF-88213.pdf', bytes: await kestrelInvoicePdf(KESTREL_FIRST) },
      join(INBOX_DIR, 'doc-005.pdf'),
      join(INBOX_DIR, 'doc-024.pdf'),
    ]);
    kestrel = docs[0]!.documentId;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('response', (r) => {
      if (r.status() >= 400)
        failed.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
    });
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('refuses a key without the reviewer role, then logs a reviewer in', async () => {
    await page.goto(`${s.baseUrl}/review`);
    await page.locator('#key').fill(s.keys.uploader);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#login-error').textContent()).toMatch(/reviewer key/);

    await page.locator('#key').fill(s.keys.reviewer);
    await page.keyboard.press('Enter');
    await page.locator('#queue').waitFor({ state: 'visible' });
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'paperline_key')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
    });
    // The 401 before login and the refused key are expected; from here on nothing else may fail.
    failed.length = 0;
  });

  it('shows the queue most urgent first, with filters and the SLA countdown', async () => {
    const rows = page.locator('#tasks tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.nth(0).textContent()).toContain('doc-024.pdf');
    expect(await rows.nth(0).locator('td').nth(5).textContent()).toMatch(/^23h 5\dm left$/);
    expect(await rows.nth(1).locator('td').nth(5).textContent()).toMatch(/^7h 5\dm left$/);
    await page.selectOption('#filters [name=department]', 'finance');
    await expect.poll(() => rows.count()).toBe(2);
    await page.selectOption('#filters [name=reason]', 'missing-field');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.nth(0).textContent()).toContain('kestrel-KF-88213.pdf');
  });

  it('claims the task, fixes one field by clicking a word and one by typing, and approves from the keyboard', async () => {
    await page.locator('#tasks tbody tr').first().focus();
    await page.keyboard.press('Enter');
    await page.locator('#task').waitFor({ state: 'visible' });
    await expect.poll(() => page.locator('#task-head').textContent()).toMatch(/claimed by alice/);
    const task = (
      (await s.call(s.keys.reviewer, 'GET', '/v1/review/tasks?status=claimed')).body.tasks as Record<
        string,
        string
      >[]
    ).find((t) => t.documentId === kestrel)!;
    expect(task.claimedBy).toBe('alice');

    // The first flagged field has the focus; the page image has loaded through the cookie.
    await expect.poll(() => page.evaluate('document.activeElement?.id')).toBe('f-invoiceNumber');
    await expect
      .poll(() =>
        page
          .locator('.page img')
          .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      )
      .toBeGreaterThan(500);
    expect(await page.locator('.field.flagged').count()).toBe(2);
    expect(await page.locator('.evidence').count()).toBeGreaterThan(3);

    // The number: clicked on the page.
    await page.locator(`.word[data-text="${KESTREL_FIRST.ref}"]`).click();
    await expect.poll(() => page.locator('#status').textContent()).toBe('Saved invoiceNumber.');
    expect(await page.locator('#f-invoiceNumber').inputValue()).toBe(KESTREL_FIRST.ref);

    // Tab goes to the next flagged field; a date that is not on the calendar is refused beside it.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.id')).toBe('f-invoiceDate');
    await page.keyboard.type('2024-02-30');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#err-invoiceDate').textContent()).toMatch(/calendar/);
    expect(await page.locator('[data-field=invoiceDate].invalid').count()).toBe(1);
    // The task view mid-review: one field fixed from the page, one refused beside the field.
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'review-task.png') });

    expect(await page.evaluate('document.activeElement?.id')).toBe('f-invoiceDate');
    await page.locator('#f-invoiceDate').fill(KESTREL_FIRST.date);
    await page.locator('#f-invoiceDate').press('Enter');
    await expect.poll(() => page.locator('#status').textContent()).toBe('Saved invoiceDate.');
    expect(await page.locator('#err-invoiceDate').textContent()).toBe('');
    await expect.poll(() => page.locator('.evidence[data-field=invoiceNumber]').count()).toBe(1);
    await page.locator('#f-invoiceNumber').focus();

    await page.keyboard.press('Control+Enter');
    await page.locator('#queue').waitFor({ state: 'visible' });

    const doc = await s.call(s.keys.reviewer, 'GET', `/v1/documents/${kestrel}`);
    expect(doc.body.status).toBe('posted');
    const fields = doc.body.fields as Record<string, { value: unknown; evidence: { text: string }[] }>;
    expect(fields.invoiceNumber!.value).toBe(KESTREL_FIRST.ref);
    expect(fields.invoiceNumber!.evidence[0]!.text).toBe(KESTREL_FIRST.ref);
    expect(fields.invoiceDate!.value).toBe(KESTREL_FIRST.date);
  });

  it('delivers the record once to the finance queue and to GET /v1/records, with the approval audited', async () => {
    const queue = s.svc.queues.departments.finance;
    const mine = async () =>
      (await queue.getJobs(['waiting', 'active', 'completed', 'delayed'])).filter(
        (j) => j.data.documentId === kestrel,
      );
    await expect.poll(async () => (await mine()).length, { timeout: 10_000 }).toBe(1);
    s.workers.kickRelay();
    await new Promise((r) => setTimeout(r, 500));
    expect(await mine()).toHaveLength(1);
    const records = await s.call(s.keys.consumer, 'GET', '/v1/records?department=finance');
    expect(
      (records.body.records as { documentId: string }[]).filter((r) => r.documentId === kestrel),
    ).toHaveLength(1);
    const audit = await s.call(s.keys.reviewer, 'GET', `/v1/documents/${kestrel}/audit`);
    const events = audit.body.events as { type: string; actor: string }[];
    expect(events.filter((e) => e.type === 'approved').map((e) => e.actor)).toEqual(['alice']);
    expect(events.filter((e) => e.type === 'corrected')).toHaveLength(2);
    expect(failed).toEqual([expect.stringMatching(/^422 PATCH \/v1\/review\/tasks\/task_[^/]+\/fields$/)]);
    expect(consoleErrors.filter((e) => !/status of (401|403|422)/.test(e))).toEqual([]);
  });
});
