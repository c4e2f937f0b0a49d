import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDecideDeps } from '../pipeline/deps.ts';
import { decideDocument } from '../pipeline/process-document.ts';
import { applyVendorMemory } from '../pipeline/vendor-memory.ts';
import { readPdfText } from './helpers/pdf-text.ts';
import { type ReviewService, startReviewService } from './helpers/review-service.ts';
import {
  KESTREL_FIRST,
  KESTREL_SECOND,
  type KestrelInvoice,
  kestrelInvoicePdf,
  kestrelTotals,
} from './helpers/vendor-invoice.ts';

type Fields = Record<string, { value: unknown; confidence: number; flags?: string[] }>;

/**
 * One vendor whose invoices the rules cannot read (number after "Document ref", date after
 * "Issued on"): a reviewer corrects the first, and the second comes out right on its own.
 */
describe('vendor memory', () => {
  let s: ReviewService;
  let vendorId: string;
  const upload = async (name: string, inv: KestrelInvoice) =>
    (await s.upload([{ name, bytes: await kestrelInvoicePdf(inv) }]))[0]!.documentId;
  const doc = async (id: string) => (await s.call(s.keys.reviewer, 'GET', `/v1/documents/${id}`)).body;

  beforeAll(async () => {
    s = await startReviewService();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('the rules alone miss the number and date of every invoice of this vendor', async () => {
    const deps = await createDecideDeps();
    for (const inv of [KESTREL_FIRST, KESTREL_SECOND]) {
      const read = await readPdfText(await kestrelInvoicePdf(inv));
      const out = await decideDocument({ fileName: 'k.pdf', sha256: 'b'.repeat(64) }, read, deps);
      expect(out.kind).toBe('review');
      const fields = out.kind === 'review' ? out.item.fields : {};
      expect(fields.invoiceNumber).toBeUndefined();
      expect(fields.invoiceDate).toBeUndefined();
    }
  });

  it('learns from the approved corrections of the first invoice', async () => {
    const first = await upload('kestrel-1.pdf', KESTREL_FIRST);
    expect((await doc(first)).status).toBe('review');
    const task = (
      (await s.call(s.keys.reviewer, 'GET', '/v1/review/tasks')).body.tasks as Record<string, string>[]
    ).find((t) => t.documentId === first)!;
    expect((await s.call(s.keys.reviewer, 'POST', `/v1/review/tasks/${task.taskId}/claim`)).status).toBe(200);
    const view = await s.call(s.keys.reviewer, 'GET', `/v1/review/tasks/${task.taskId}`);
    const fields = view.body.fields as { name: string; flagged: boolean }[];
    expect(fields.filter((f) => f.flagged).map((f) => f.name)).toEqual(['invoiceNumber', 'invoiceDate']);
    expect(view.body.vendorId).toBeNull();
    const dateWord = (view.body.pages as { words: { text: string; box: object }[] }[])[0]!.words.find(
      (w) => w.text === KESTREL_FIRST.printedDate,
    )!;
    // The number typed, the date picked on the page.
    const patch = await s.call(s.keys.reviewer, 'PATCH', `/v1/review/tasks/${task.taskId}/fields`, {
      fields: { invoiceNumber: KESTREL_FIRST.ref, invoiceDate: KESTREL_FIRST.date },
      evidence: { invoiceDate: { page: 1, box: dateWord.box, text: dateWord.text } },
    });
    expect(patch.status).toBe(200);
    const approve = await s.call(s.keys.reviewer, 'POST', `/v1/review/tasks/${task.taskId}/approve`);
    expect(approve.status).toBe(200);
    expect(approve.body.learned).toBe(3);

    const vendors = (await s.call(s.keys.reviewer, 'GET', '/v1/vendors')).body.vendors as Record<
      string,
      unknown
    >[];
    expect(vendors).toEqual([
      {
        vendorId: expect.any(String),
        docType: 'invoice',
        name: 'Kestrel Fasteners Ltd',
        taxId: 'GB123456789',
        entries: 3,
      },
    ]);
    vendorId = vendors[0]!.vendorId as string;
    const memory = await s.call(s.keys.reviewer, 'GET', `/v1/vendors/${vendorId}/memory`);
    expect(memory.status).toBe(200);
    const entries = memory.body.entries as { field: string; kind: string; data: Record<string, unknown> }[];
    expect(entries.map((e) => `${e.field}/${e.kind}`).sort()).toEqual([
      'invoiceDate/date-order',
      'invoiceDate/position',
      'invoiceNumber/position',
    ]);
    expect(entries.find((e) => e.field === 'invoiceNumber')!.data).toMatchObject({
      label: 'Document ref',
      labelPlace: 'left',
    });
    expect(entries.find((e) => e.kind === 'date-order')!.data).toMatchObject({ order: 'DMY' });
    expect((await s.call(s.keys.uploader, 'GET', `/v1/vendors/${vendorId}/memory`)).status).toBe(403);
  });

  it("extracts the vendor's next invoice right, and it posts without a person", async () => {
    const second = await upload('kestrel-2.pdf', KESTREL_SECOND);
    const d = await doc(second);
    expect(d.status).toBe('posted');
    const fields = d.fields as Fields;
    expect(fields.invoiceNumber).toMatchObject({
      value: KESTREL_SECOND.ref,
      flags: ['vendor-memory', expect.any(String)],
    });
    expect(fields.invoiceDate!.value).toBe(KESTREL_SECOND.date);
    expect(fields.invoiceNumber!.confidence).toBeGreaterThan(0.9);
    expect(fields.total!.value).toBe(kestrelTotals(KESTREL_SECOND).total);
    const records = await s.call(s.keys.consumer, 'GET', '/v1/records?department=finance');
    expect((records.body.records as { documentId: string }[]).map((r) => r.documentId)).toContain(second);
  });

  it('raises the confidence of a value the rules found where the memory expects it', async () => {
    // Same vendor, the number under a label the rules know: both read it, so it is surer.
    const read = await readPdfText(await kestrelInvoicePdf(KESTREL_SECOND, 'Invoice no'));
    const rules = await (await createDecideDeps()).extract('invoice', read);
    expect(rules.invoiceNumber!.value).toBe(KESTREL_SECOND.ref);
    expect(rules.invoiceNumber!.confidence).toBeLessThan(0.98);
    const remembered = await applyVendorMemory(s.svc.db, 'invoice', read, rules);
    expect(remembered.invoiceNumber).toMatchObject({ value: KESTREL_SECOND.ref, confidence: 0.98 });
    expect(remembered.invoiceNumber!.flags).toContain('vendor-memory-agrees');
    // A page whose name and tax id were not read is still known by its layout...
    const other = await readPdfText(await kestrelInvoicePdf(KESTREL_SECOND));
    const withoutIssuer = {
      pages: other.pages.map((p) => ({
        ...p,
        lines: p.lines.filter((l) => !/VAT Reg|Kestrel/.test(l.text)),
      })),
    };
    const nameless = await (await createDecideDeps()).extract('invoice', withoutIssuer);
    delete nameless.vendorName;
    expect(nameless.invoiceNumber).toBeUndefined();
    expect((await applyVendorMemory(s.svc.db, 'invoice', withoutIssuer, nameless)).invoiceNumber?.value).toBe(
      KESTREL_SECOND.ref,
    );
    // ...but the same template naming another company is another vendor, left as the rules read it.
    const stranger = {
      ...nameless,
      vendorName: { value: 'Osprey Hinges GmbH', confidence: 0.9, evidence: [] },
    };
    expect(await applyVendorMemory(s.svc.db, 'invoice', withoutIssuer, stranger)).toEqual(stranger);
  });

  it('reverts one entry on request: audited, kept in the listing, no longer applied', async () => {
    const memory = await s.call(s.keys.reviewer, 'GET', `/v1/vendors/${vendorId}/memory`);
    const entry = (memory.body.entries as { entryId: string; field: string; documentId: string }[]).find(
      (e) => e.field === 'invoiceNumber',
    )!;
    const revert = await s.call(
      s.keys.reviewer2,
      'DELETE',
      `/v1/vendors/${vendorId}/memory/${entry.entryId}`,
    );
    expect(revert.status).toBe(200);
    const after = (revert.body.entries as { entryId: string; revertedBy: string | null }[]).find(
      (e) => e.entryId === entry.entryId,
    )!;
    expect(after.revertedBy).toBe('bob');
    expect(
      (await s.call(s.keys.reviewer2, 'DELETE', `/v1/vendors/${vendorId}/memory/${entry.entryId}`)).status,
    ).toBe(404);
    const audit = await s.call(s.keys.reviewer, 'GET', `/v1/documents/${entry.documentId}/audit`);
    const types = (audit.body.events as { type: string; actor: string }[]).map((e) => `${e.type}:${e.actor}`);
    expect(types.slice(-3)).toEqual(['approved:alice', 'memory-learned:alice', 'memory-reverted:bob']);

    // The third invoice: its date is still read the vendor's way, its number no longer.
    const third = await upload('kestrel-3.pdf', {
      ...KESTREL_SECOND,
      ref: 'KF/91234',
      printedDate: '09/10/2024',
      date: '2024-10-09',
    });
    const d = await doc(third);
    expect(d.status).toBe('review');
    const fields = d.fields as Fields;
    expect(fields.invoiceNumber).toBeUndefined();
    expect(fields.invoiceDate!.value).toBe('2024-10-09');
  });
});
