import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMetadata } from '../bench/einvoice-metadata.ts';
import { runLearn } from '../cli/eval.command.ts';
import { learnCommand, openLocalMemory } from '../cli/learn.command.ts';
import { processCommand } from '../cli/process.command.ts';
import { EINVOICE_DIR } from './helpers/einvoice.ts';
import { KESTREL_FIRST, KESTREL_SECOND, kestrelInvoicePdf } from './helpers/vendor-invoice.ts';

const quiet = () => {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  return () => {
    process.stdout.write = write;
  };
};

/**
 * A clerk's laptop learns as the service does: `process --memory` records what it decided,
 * `learn` approves the review file the clerk corrected, and the vendor's next invoice is read
 * with what the approval taught.
 */
describe('paperline process --memory, then paperline learn', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paperline-learn-cli-'));
    await mkdir(join(dir, 'in1'));
    await mkdir(join(dir, 'in2'));
    await writeFile(join(dir, 'in1', 'kestrel-1.pdf'), await kestrelInvoicePdf(KESTREL_FIRST));
    await writeFile(join(dir, 'in2', 'kestrel-2.pdf'), await kestrelInvoicePdf(KESTREL_SECOND));
  });

  const reviewFiles = async (out: string) =>
    existsSync(join(out, 'review'))
      ? (await readdir(join(out, 'review')))
          .filter((f) => f.endsWith('.json'))
          .map((f) => join(out, 'review', f))
      : [];
  const posted = async (out: string) =>
    (await readFile(join(out, 'posted', 'finance.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));

  it('the first invoice goes to review; the corrected file is approved into the memory', async () => {
    const restore = quiet();
    try {
      await processCommand([join(dir, 'in1')], {
        out: join(dir, 'out1'),
        memory: join(dir, 'memory'),
        confidenceModel: 'none',
      });
    } finally {
      restore();
    }
    const [file] = await reviewFiles(join(dir, 'out1'));
    expect(file).toBeDefined();
    const item = JSON.parse(await readFile(file!, 'utf8'));
    expect(item.fields.invoiceNumber).toBeUndefined();
    // What a clerk types into the review file.
    item.fields.invoiceNumber = { value: KESTREL_FIRST.ref, confidence: 1, evidence: [] };
    item.fields.invoiceDate = { value: KESTREL_FIRST.date, confidence: 1, evidence: [] };
    await writeFile(file!, JSON.stringify(item, null, 2));

    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => lines.push(s) > 0) as typeof process.stdout.write;
    try {
      await learnCommand([file!], { memory: join(dir, 'memory') });
    } finally {
      process.stdout.write = write;
    }
    expect(lines.join('')).toMatch(/approved, 2 corrected/);
    const memory = await openLocalMemory(join(dir, 'memory'));
    try {
      const [row] = await memory.db.query<{ n: number }>('SELECT count(*)::int AS n FROM vendor_memory');
      expect(row!.n).toBeGreaterThan(0);
    } finally {
      await memory.close();
    }
  });

  it("the vendor's next invoice is read with the lesson and posts", async () => {
    const restore = quiet();
    try {
      await processCommand([join(dir, 'in2')], {
        out: join(dir, 'out2'),
        memory: join(dir, 'memory'),
        confidenceModel: 'none',
      });
    } finally {
      restore();
    }
    const [record] = await posted(join(dir, 'out2'));
    expect(record?.fields.invoiceNumber.value).toBe(KESTREL_SECOND.ref);
    expect(record?.fields.invoiceDate.value).toBe(KESTREL_SECOND.date);
  });

  it('without the memory the same invoice still waits for a person', async () => {
    const restore = quiet();
    try {
      await processCommand([join(dir, 'in2')], { out: join(dir, 'out3'), confidenceModel: 'none' });
    } finally {
      restore();
    }
    expect(await posted(join(dir, 'out3'))).toEqual([]);
    expect(await reviewFiles(join(dir, 'out3'))).toHaveLength(1);
  });

  it('refuses to learn into a folder that holds no memory', async () => {
    await expect(learnCommand([], { memory: join(dir, 'nowhere') })).rejects.toThrow(/No vendor memory/);
  });
});

const MOULIN = [
  'FNFE-factur-x-examples_Avoir_FR_type381_BASIC.pdf',
  'FNFE-factur-x-examples_Facture_DOM_BASICWL.pdf',
  'FNFE-factur-x-examples_Facture_DOM_MINIMUM.pdf',
  'FNFE-factur-x-examples_Facture_FR_BASICWL.pdf',
  'FNFE-factur-x-examples_Facture_FR_MINIMUM.pdf',
  'FNFE-factur-x-examples_Facture_UE_BASICWL.pdf',
  'FNFE-factur-x-examples_Facture_UE_MINIMUM.pdf',
];

/** `eval --learn` on a real slice: one French vendor's seven Factur-X invoices, pages only. */
describe.skipIf(!existsSync(join(EINVOICE_DIR, MOULIN[0]!)))('eval --learn on real invoices', () => {
  let run: Awaited<ReturnType<typeof runLearn>>;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paperline-learn-real-'));
    for (const f of MOULIN) await copyFile(join(EINVOICE_DIR, f), join(dir, f));
    await buildMetadata(dir);
    run = await runLearn(dir, {
      ignoreAttachments: true,
      confidenceModel: 'none',
      memory: join(dir, 'memory'),
      concurrency: '2',
    });
  }, 240_000);
  afterAll(() => {});

  it('decides every invoice once, in file-name order', () => {
    expect(run.scores.map((s) => s.fileName)).toEqual([...MOULIN].sort());
    expect(run.curve).toEqual([expect.objectContaining({ from: 1, to: 7 })]);
  });

  it('the reviewed invoices are approved and teach the memory', async () => {
    expect(run.scores.some((s) => s.outcome === 'review')).toBe(true);
    expect(run.learned).toBeGreaterThan(0);
    const memory = await openLocalMemory(join(dir, 'memory'));
    try {
      const vendors = await memory.db.query<{ name: string }>('SELECT name FROM vendors');
      expect(vendors.map((v) => v.name)).toContain('Au bon moulin');
      const done = await memory.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM review_tasks WHERE status = 'done'`,
      );
      expect(done[0]!.n).toBe(run.scores.filter((s) => s.outcome === 'review').length);
    } finally {
      await memory.close();
    }
  });
});
