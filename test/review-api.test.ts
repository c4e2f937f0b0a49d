import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INBOX_DIR } from './helpers/inbox.ts';
import { type ReviewService, startReviewService } from './helpers/review-service.ts';

/**
 * The review API against the real service: documents from the committed inbox go through the
 * pipeline into review (doc-005: printed total is not subtotal + tax; doc-013: net above gross;
 * doc-024: a letter), then reviewers work the queue over HTTP.
 */
describe('review API', () => {
  let s: ReviewService;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    s = await startReviewService({
      PAPERLINE_REVIEW_SLA_HOURS_FINANCE: '4',
      PAPERLINE_REVIEW_SLA_HOURS: '48',
    });
    const docs = await s.upload(['doc-005.pdf', 'doc-013.pdf', 'doc-024.pdf'].map((f) => join(INBOX_DIR, f)));
    for (const d of docs) ids[d.fileName] = d.documentId;
  });
  afterAll(async () => {
    await s?.close();
  });

  const tasks = async (query = '') => {
    const r = await s.call(s.keys.reviewer, 'GET', `/v1/review/tasks${query}`);
    expect(r.status).toBe(200);
    return r.body.tasks as Record<string, unknown>[];
  };
  const taskOf = async (file: string) => (await tasks()).find((t) => t.documentId === ids[file])!;

  it('gives every document in review a task, most urgent first, with its department SLA', async () => {
    const all = await tasks();
    expect(all.map((t) => t.documentId)).toEqual([
      ids['doc-024.pdf'],
      ids['doc-005.pdf'],
      ids['doc-013.pdf'],
    ]);
    const invoice = all[1]!;
    expect(invoice).toMatchObject({ department: 'finance', docType: 'invoice', status: 'open', priority: 2 });
    expect((invoice.reasons as { code: string; fields: string[] }[])[0]).toMatchObject({
      code: 'rule-failed',
      fields: ['subtotal', 'taxAmount', 'total'],
    });
    const hours = (t: Record<string, unknown>) =>
      (Date.parse(t.dueAt as string) - Date.parse(t.createdAt as string)) / 3_600_000;
    expect(hours(invoice)).toBeCloseTo(4, 1);
    expect(hours(all[2]!)).toBeCloseTo(48, 1);
    expect(all[0]).toMatchObject({ docType: 'unknown', department: null, priority: 1 });

    expect((await tasks('?department=hr')).map((t) => t.documentId)).toEqual([ids['doc-013.pdf']]);
    expect((await tasks('?reason=unknown-type')).map((t) => t.documentId)).toEqual([ids['doc-024.pdf']]);
    expect(await tasks('?docType=receipt')).toEqual([]);
  });

  it('is for reviewers: uploader and consumer keys get 403, no key 401', async () => {
    expect((await s.call(s.keys.uploader, 'GET', '/v1/review/tasks')).status).toBe(403);
    expect((await s.call(s.keys.consumer, 'GET', '/v1/review/tasks')).status).toBe(403);
    expect((await fetch(`${s.baseUrl}/v1/review/tasks`)).status).toBe(401);
    expect((await s.call(s.keys.admin, 'GET', '/v1/review/tasks')).status).toBe(200);
  });

  it('describes the review routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${s.baseUrl}/docs/json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/review/tasks',
        '/v1/review/tasks/{id}',
        '/v1/review/tasks/{id}/claim',
        '/v1/review/tasks/{id}/fields',
        '/v1/review/tasks/{id}/approve',
        '/v1/review/tasks/{id}/reject',
        '/v1/vendors/{id}/memory',
        '/v1/vendors/{id}/memory/{entryId}',
      ]),
    );
  });

  it('shows a task with its pages, words and each field with why it was flagged', async () => {
    const t = await taskOf('doc-005.pdf');
    const r = await s.call(s.keys.reviewer, 'GET', `/v1/review/tasks/${t.taskId}`);
    expect(r.status).toBe(200);
    const pages = r.body.pages as { imageUrl: string; words: { text: string }[] }[];
    expect(pages).toHaveLength(1);
    expect(pages[0]!.words.map((w) => w.text)).toContain('2024/847');
    const image = await fetch(`${s.baseUrl}${pages[0]!.imageUrl}`, {
      headers: { authorization: `Bearer ${s.keys.reviewer}` },
    });
    expect(image.headers.get('content-type')).toBe('image/png');
    const fields = r.body.fields as {
      name: string;
      flagged: boolean;
      reasons: string[];
      evidence: unknown[];
    }[];
    const total = fields.find((f) => f.name === 'total')!;
    expect(total.flagged).toBe(true);
    expect(total.reasons[0]).toMatch(/off by 10\.00/);
    expect(total.evidence).toHaveLength(1);
    expect(fields.find((f) => f.name === 'invoiceNumber')!.flagged).toBe(false);
    expect(r.body.hints).toEqual({ dateOrder: 'DMY', decimal: '.' });
  });

  it('lets one reviewer claim a task; a second reviewer gets 409 until the lease runs out', async () => {
    const t = await taskOf('doc-005.pdf');
    const claim = await s.call(s.keys.reviewer, 'POST', `/v1/review/tasks/${t.taskId}/claim`);
    expect(claim.status).toBe(200);
    expect(claim.body).toMatchObject({ status: 'claimed', claimedBy: 'alice' });
    const lease = Date.parse(claim.body.leaseUntil as string) - Date.now();
    expect(lease).toBeGreaterThan(14 * 60_000);
    expect(lease).toBeLessThanOrEqual(15 * 60_000 + 1000);

    const other = await s.call(s.keys.reviewer2, 'POST', `/v1/review/tasks/${t.taskId}/claim`);
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ error: 'task-claimed' });
    expect(other.body.message).toMatch(/alice/);
    // Bob cannot edit what Alice holds either.
    const edit = await s.call(s.keys.reviewer2, 'PATCH', `/v1/review/tasks/${t.taskId}/fields`, {
      fields: { invoiceNumber: 'X' },
    });
    expect(edit.status).toBe(409);
    // Claiming again renews Alice's own lease.
    expect((await s.call(s.keys.reviewer, 'POST', `/v1/review/tasks/${t.taskId}/claim`)).status).toBe(200);
  });

  it('returns a task whose lease ran out to the queue', async () => {
    const t = await taskOf('doc-013.pdf');
    expect((await s.call(s.keys.reviewer, 'POST', `/v1/review/tasks/${t.taskId}/claim`)).status).toBe(200);
    await s.svc.db.query(`UPDATE review_tasks SET lease_until = now() - interval '1 second' WHERE id = $1`, [
      t.taskId,
    ]);
    expect((await taskOf('doc-013.pdf')).status).toBe('open');
    const bob = await s.call(s.keys.reviewer2, 'POST', `/v1/review/tasks/${t.taskId}/claim`);
    expect(bob.status).toBe(200);
    expect(bob.body).toMatchObject({ claimedBy: 'bob' });
  });

  it('refuses a wrong date with a 422 naming the field, and changes nothing', async () => {
    const t = await taskOf('doc-005.pdf');
    const url = `/v1/review/tasks/${t.taskId}/fields`;
    const impossible = await s.call(s.keys.reviewer, 'PATCH', url, { fields: { invoiceDate: '2024-02-30' } });
    expect(impossible.status).toBe(422);
    expect(impossible.body.error).toBe('invalid-fields');
    expect(Object.keys((impossible.body.details as { fields: object }).fields)).toEqual(['invoiceDate']);

    const printed = await s.call(s.keys.reviewer, 'PATCH', url, { fields: { invoiceDate: '06/06/2024' } });
    expect(printed.status).toBe(422);
    expect((printed.body.details as { fields: Record<string, string> }).fields.invoiceDate).toMatch(
      /invoiceDate/,
    );

    // A cross-field rule: payment cannot fall due before the invoice is issued.
    const early = await s.call(s.keys.reviewer, 'PATCH', url, { fields: { dueDate: '2024-05-01' } });
    expect(early.status).toBe(422);
    expect((early.body.details as { fields: Record<string, string> }).fields.dueDate).toMatch(
      /before invoiceDate/,
    );

    const unknown = await s.call(s.keys.reviewer, 'PATCH', url, { fields: { colour: 'blue' } });
    expect(unknown.status).toBe(422);

    const doc = await s.call(s.keys.reviewer, 'GET', `/v1/documents/${ids['doc-005.pdf']}`);
    expect((doc.body.fields as Record<string, { value: unknown }>).invoiceDate!.value).toBe('2024-06-06');
    expect((doc.body.fields as Record<string, unknown>).dueDate).toBeUndefined();
  });

  it('accepts the true values, line items included, as confidence 1 with the evidence picked', async () => {
    const t = await taskOf('doc-005.pdf');
    const view = await s.call(s.keys.reviewer, 'GET', `/v1/review/tasks/${t.taskId}`);
    const word = (view.body.pages as { words: { text: string; box: object }[] }[])[0]!.words.find(
      (w) => w.text === '2024/847',
    )!;
    const r = await s.call(s.keys.reviewer, 'PATCH', `/v1/review/tasks/${t.taskId}/fields`, {
      fields: {
        invoiceNumber: '2024/847',
        invoiceDate: '2024-06-06',
        total: '7793.56',
        lineItems: [
          { description: 'Photography, half day', quantity: '1', unitPrice: '1533.00', amount: '1533.00' },
          {
            description: 'Logo design, concept round',
            quantity: '1',
            unitPrice: '5674.00',
            amount: '5674.00',
          },
        ],
      },
      evidence: { invoiceNumber: { page: 1, box: word.box, text: word.text } },
    });
    expect(r.status).toBe(200);
    const fields = r.body.fields as Record<
      string,
      { value: unknown; confidence: number; evidence: unknown[] }
    >;
    expect(fields.invoiceNumber).toMatchObject({ value: '2024/847', confidence: 1 });
    expect(fields.invoiceNumber!.evidence).toEqual([{ page: 1, box: word.box, text: '2024/847' }]);
    expect(fields.total).toMatchObject({ value: '7793.56', confidence: 1 });
    expect((fields.lineItems!.value as unknown[]).length).toBe(2);

    const badItems = await s.call(s.keys.reviewer, 'PATCH', `/v1/review/tasks/${t.taskId}/fields`, {
      fields: { lineItems: [{ description: 'Photography', amount: '15.3' }] },
    });
    expect(badItems.status).toBe(422);
    expect(Object.keys((badItems.body.details as { fields: object }).fields)).toEqual(['lineItems']);
  });

  it('approves once: the record reaches the outbox, the finance queue and GET /v1/records exactly once', async () => {
    const t = await taskOf('doc-005.pdf');
    const first = await s.call(s.keys.reviewer, 'POST', `/v1/review/tasks/${t.taskId}/approve`);
    expect(first.status).toBe(200);
    expect(first.body.task).toMatchObject({ status: 'done', outcome: 'approved' });
    const again = await s.call(s.keys.reviewer, 'POST', `/v1/review/tasks/${t.taskId}/approve`);
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('task-done');
    expect((await s.call(s.keys.reviewer2, 'POST', `/v1/review/tasks/${t.taskId}/claim`)).status).toBe(409);

    const records = await s.call(s.keys.consumer, 'GET', '/v1/records?department=finance');
    const mine = (
      records.body.records as { documentId: string; fields: Record<string, { value: unknown }> }[]
    ).filter((r) => r.documentId === ids['doc-005.pdf']);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.fields.invoiceNumber!.value).toBe('2024/847');

    const queue = s.svc.queues.departments.finance;
    const deadline = Date.now() + 10_000;
    let jobs = await queue.getJobs(['waiting', 'active', 'completed', 'delayed']);
    while (!jobs.some((j) => j.data.documentId === ids['doc-005.pdf']) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      jobs = await queue.getJobs(['waiting', 'active', 'completed', 'delayed']);
    }
    const delivered = jobs.filter((j) => j.data.documentId === ids['doc-005.pdf']);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.id).toBe(first.body.idempotencyKey);
    // A relay run after the fact publishes nothing twice.
    s.workers.kickRelay();
    await new Promise((r) => setTimeout(r, 500));
    const after = (await queue.getJobs(['waiting', 'active', 'completed', 'delayed'])).filter(
      (j) => j.data.documentId === ids['doc-005.pdf'],
    );
    expect(after).toHaveLength(1);

    const doc = await s.call(s.keys.reviewer, 'GET', `/v1/documents/${ids['doc-005.pdf']}`);
    expect(doc.body.status).toBe('posted');
  });

  it('keeps every step in the audit trail: who, when, before and after, the approval', async () => {
    const r = await s.call(s.keys.reviewer, 'GET', `/v1/documents/${ids['doc-005.pdf']}/audit`);
    expect(r.status).toBe(200);
    const events = r.body.events as {
      type: string;
      actor: string;
      at: string;
      data: Record<string, unknown>;
    }[];
    expect(events.map((e) => e.type)).toEqual([
      'uploaded',
      'review',
      'claimed',
      'claimed',
      'corrected',
      'approved',
      'memory-learned',
    ]);
    const corrected = events.find((e) => e.type === 'corrected')!;
    expect(corrected.actor).toBe('alice');
    const changes = corrected.data.fields as Record<string, { before: unknown; after: unknown }>;
    expect(changes.total).toEqual({ before: '7793.56', after: '7793.56', evidence: null });
    expect(changes.invoiceNumber!.after).toBe('2024/847');
    const approved = events.find((e) => e.type === 'approved')!;
    expect(approved).toMatchObject({ actor: 'alice', data: { department: 'finance', docType: 'invoice' } });
    expect(approved.data.acknowledged).toEqual([expect.stringMatching(/off by 10\.00/)]);
    expect(Date.parse(approved.at)).toBeGreaterThan(Date.parse(events[0]!.at));
    // The trail is append-only, in the database itself.
    await expect(
      s.svc.db.query(`DELETE FROM events WHERE document_id = $1`, [ids['doc-005.pdf']]),
    ).rejects.toThrow(/append-only/);
  });

  it('rejects: closing a document, or re-routing it to another type and department', async () => {
    const letter = await taskOf('doc-024.pdf');
    expect((await s.call(s.keys.reviewer, 'POST', `/v1/review/tasks/${letter.taskId}/claim`)).status).toBe(
      200,
    );
    const approve = await s.call(s.keys.reviewer, 'POST', `/v1/review/tasks/${letter.taskId}/approve`);
    expect(approve.status).toBe(409);
    expect(approve.body.error).toBe('unknown-type');
    const reject = await s.call(s.keys.reviewer, 'POST', `/v1/review/tasks/${letter.taskId}/reject`, {
      reason: 'A cover letter, nothing to post.',
    });
    expect(reject.status).toBe(200);
    expect(reject.body).toMatchObject({ status: 'done', outcome: 'rejected' });
    const doc = await s.call(s.keys.reviewer, 'GET', `/v1/documents/${ids['doc-024.pdf']}`);
    expect(doc.body).toMatchObject({ status: 'failed', failure: { code: 'rejected' } });
    expect(
      (await s.call(s.keys.reviewer, 'POST', `/v1/review/tasks/${letter.taskId}/reject`, { reason: 'x' }))
        .status,
    ).toBe(409);

    // Bob holds the payslip; he re-routes it as a wage statement, so it waits in HR's queue again.
    const slip = await taskOf('doc-013.pdf');
    const reroute = await s.call(s.keys.reviewer2, 'POST', `/v1/review/tasks/${slip.taskId}/reject`, {
      reason: 'Testing re-routing',
      docType: 'wage_statement',
    });
    expect(reroute.status).toBe(200);
    expect(reroute.body).toMatchObject({ status: 'open', docType: 'wage_statement', department: 'hr' });
    const audit = await s.call(s.keys.reviewer, 'GET', `/v1/documents/${ids['doc-013.pdf']}/audit`);
    const rejected = (
      audit.body.events as { type: string; actor: string; data: Record<string, unknown> }[]
    ).at(-1)!;
    expect(rejected).toMatchObject({
      type: 'rejected',
      actor: 'bob',
      data: {
        reroute: { from: { docType: 'payslip' }, to: { docType: 'wage_statement', department: 'hr' } },
      },
    });
  });
});
