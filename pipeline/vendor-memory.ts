import { randomUUID } from 'node:crypto';
import { buildView, findLabels, type PlacedWord, type Row, segmentEnd } from '../extractors/layout.ts';
import { parseAmount } from '../extractors/parse/amount.ts';
import { parseDate } from '../extractors/parse/date.ts';
import { collapse, editDistance, normalise } from '../extractors/parse/text.ts';
import type { Box, DocType, Evidence, ExtractedField, ExtractedFields } from '../schemas/common.ts';
import { DOCUMENT_SCHEMAS } from '../schemas/documents.ts';
import type { ReadResult } from '../schemas/read.ts';
import type { Sql } from './adapters/db.ts';
import { unionBox } from './layout.ts';

/**
 * Per-vendor memory: what approved corrections taught about one issuer's documents (where a
 * field sits, the label printed before it, its date and number conventions), applied when the
 * next document from that issuer is extracted. Rules generalise across vendors; this fixes
 * the one vendor whose template they keep getting wrong, without touching the rules.
 */

/** The field that names the issuer, per document type. */
export const ISSUER_FIELD: Record<DocType, string> = {
  invoice: 'vendorName',
  receipt: 'merchantName',
  payslip: 'employerName',
  wage_statement: 'employerName',
  claim_form: 'insurerName',
  medical_bill: 'providerName',
};

export type FieldKind = 'date' | 'money' | 'text' | 'list';

/** What a field holds, told by what its zod schema accepts, so new fields need no table here. */
export function fieldKind(docType: DocType, name: string): FieldKind | null {
  const schema = (
    DOCUMENT_SCHEMAS[docType].shape as Record<string, { safeParse(v: unknown): { success: boolean } }>
  )[name];
  if (!schema) return null;
  if (schema.safeParse([]).success) return 'list';
  if (schema.safeParse('2024-01-31').success && !schema.safeParse('abc').success) return 'date';
  if (schema.safeParse('12.00').success && !schema.safeParse('abc').success) return 'money';
  return 'text';
}

const LEGAL_SUFFIXES = new Set(
  'ltd limited llc inc incorporated plc gmbh co kg sdn bhd pty corp corporation company bv nv sa sarl ag pte llp lp'.split(
    ' ',
  ),
);

/** A name as vendors are matched on: case, punctuation and legal-form words dropped. */
export function nameKey(name: string): string | null {
  const words = normalise(name)
    .replace(/[&/#%-]/g, ' ')
    .split(' ')
    .filter((w) => w && !LEGAL_SUFFIXES.has(w));
  return words.length ? words.join(' ') : null;
}

/** Glyphs Tesseract takes for one another between two readings of the same print. */
const foldGlyphs = (w: string) =>
  w.replace(/[0d]/g, 'o').replace(/[1l|]/g, 'i').replace(/8/g, 'b').replace(/5/g, 's');
const FOLDED_SUFFIXES = new Set([...LEGAL_SUFFIXES].map(foldGlyphs));
/** A company registration number printed after the name: "(861096-W)", "001083069-M". */
const REGISTRATION_NO = /\(?\b\d{5,}-?[A-Za-z]?\b\)?/g;

/**
 * Whether two readings of one printed name say the same name: compared on nameKey, with the
 * glyphs OCR confuses (0/O/D, 1/I/l, 8/B, 5/S, so "SON 8HD" is "SDN BHD") and a registration
 * number after the name forgiven. A space is not: "CW KHOO" is not "C W KHOO".
 */
export function sameReading(a: string, b: string): boolean {
  const key = (s: string) =>
    (nameKey(s.replace(REGISTRATION_NO, ' ')) ?? '')
      .split(' ')
      .map(foldGlyphs)
      .filter((w) => w && !FOLDED_SUFFIXES.has(w))
      .join(' ');
  const k = key(a);
  return k !== '' && k === key(b);
}

const TAX_ID =
  /\b(?:VAT|GST|HST|SST|ABN|EIN|TIN|UEN|Tax\s*ID|Steuer-?Nr|USt-?IdNr)\b[^\p{L}\p{N}\n]{0,12}(?:Reg(?:istration)?\.?\s*(?:No\.?|Number)?|No\.?|Number|ID)?[\s.:#]*([A-Z]{0,3}[\s-]?\d[\d\s-]{5,}[\dA-Z]*)/iu;

/** The issuer's tax registration printed on the page (VAT, GST, ABN, EIN...), digits only. */
export function findTaxId(read: ReadResult): string | null {
  for (const page of read.pages) {
    for (const line of page.lines) {
      const m = TAX_ID.exec(line.text);
      if (m) return m[1]!.replace(/[\s-]/g, '').toUpperCase();
    }
  }
  return null;
}

/**
 * The template's words: letters-only words in the top third of page one, where letterheads and
 * field labels sit. Two documents of one template share most of them, even with other
 * customers and items.
 */
export function layoutSignature(read: ReadResult): string[] {
  const page = read.pages[0];
  if (!page) return [];
  const words = new Set<string>();
  for (const line of page.lines) {
    if (line.box.y0 > page.height / 3) continue;
    for (const w of line.words) {
      const n = normalise(w.text);
      if (/^[a-z]{3,}$/.test(n)) words.add(n);
    }
  }
  return [...words].sort().slice(0, 80);
}

function jaccard(a: string[], b: string[]): number {
  if (!a.length || !b.length) return 0;
  const sb = new Set(b);
  const inter = a.filter((w) => sb.has(w)).length;
  return inter / (a.length + b.length - inter);
}

/**
 * Share of layout words two documents must have in common to count as one template. Low,
 * because customers and items differ; safe only because layout is asked when the page names
 * nobody (see findVendor).
 */
const SAME_LAYOUT = 0.5;

export interface VendorIdentity {
  name: string | null;
  nameKey: string | null;
  taxId: string | null;
  layout: string[];
}

export function identify(docType: DocType, read: ReadResult, fields: ExtractedFields): VendorIdentity {
  const raw = fields[ISSUER_FIELD[docType]]?.value;
  const name = typeof raw === 'string' && raw.trim() ? collapse(raw) : null;
  return {
    name,
    nameKey: name ? nameKey(name) : null,
    taxId: findTaxId(read),
    layout: layoutSignature(read),
  };
}

export interface VendorRow {
  id: string;
  docType: DocType;
  name: string;
  taxId: string | null;
  createdAt: string;
  updatedAt: string;
}

type RawVendor = {
  id: string;
  doc_type: DocType;
  name: string;
  tax_id: string | null;
  layout: string[];
  created_at: Date;
  updated_at: Date;
};

const toVendor = (r: RawVendor): VendorRow => ({
  id: r.id,
  docType: r.doc_type,
  name: r.name,
  taxId: r.tax_id,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** The known vendor a document comes from: by tax id, then name, then (for neither) layout. */
export async function findVendor(db: Sql, docType: DocType, id: VendorIdentity): Promise<VendorRow | null> {
  const cols = 'id, doc_type, name, tax_id, layout, created_at, updated_at';
  if (id.taxId) {
    const [r] = await db.query<RawVendor>(
      `SELECT ${cols} FROM vendors WHERE doc_type = $1 AND tax_id = $2 ORDER BY created_at LIMIT 1`,
      [docType, id.taxId],
    );
    if (r) return toVendor(r);
  }
  if (id.nameKey) {
    const [r] = await db.query<RawVendor>(
      `SELECT ${cols} FROM vendors WHERE doc_type = $1 AND name_key = $2`,
      [docType, id.nameKey],
    );
    if (r) return toVendor(r);
  }
  // A name misread by a letter or two ("LAN HING" for "LIAN HING") is still the vendor: the
  // closest known name within a few edits, when no other one is as close.
  if (id.nameKey) {
    const rows = await db.query<RawVendor & { name_key: string | null }>(
      `SELECT ${cols}, name_key FROM vendors WHERE doc_type = $1 AND name_key IS NOT NULL`,
      [docType],
    );
    const near = rows
      .map((r) => ({ r, d: nameDistance(id.nameKey!, r.name_key!) }))
      .filter((x) => x.d !== null)
      .sort((a, b) => a.d! - b.d!);
    if (near[0] && (near.length === 1 || near[1]!.d! > near[0].d!)) return toVendor(near[0].r);
  }
  // Layout only stands in when the page names nobody: two vendors on one invoicing product
  // share a template, and a different name or tax id on it means a different vendor.
  if (id.layout.length && !id.nameKey && !id.taxId) {
    const rows = await db.query<RawVendor>(`SELECT ${cols} FROM vendors WHERE doc_type = $1`, [docType]);
    let best: { r: RawVendor; score: number } | null = null;
    for (const r of rows) {
      const score = jaccard(id.layout, r.layout);
      if (score >= SAME_LAYOUT && (!best || score > best.score)) best = { r, score };
    }
    if (best) return toVendor(best.r);
  }
  return null;
}

/**
 * Edits between two name keys when they are close enough to be one name misread: at most one
 * edit in eight characters, and never in a name under six; null otherwise.
 */
export function nameDistance(a: string, b: string): number | null {
  const len = Math.max(a.length, b.length);
  if (len < 6) return a === b ? 0 : null;
  const max = Math.floor(len / 8);
  const d = editDistance(a, b, max);
  return d <= max ? d : null;
}

export async function getVendor(db: Sql, id: string): Promise<VendorRow | null> {
  const [r] = await db.query<RawVendor>(
    'SELECT id, doc_type, name, tax_id, layout, created_at, updated_at FROM vendors WHERE id = $1',
    [id],
  );
  return r ? toVendor(r) : null;
}

export async function listVendors(db: Sql): Promise<(VendorRow & { entries: number })[]> {
  const rows = await db.query<RawVendor & { entries: number }>(
    `SELECT v.id, v.doc_type, v.name, v.tax_id, v.layout, v.created_at, v.updated_at,
            (SELECT count(*)::int FROM vendor_memory m WHERE m.vendor_id = v.id AND m.reverted_at IS NULL) AS entries
       FROM vendors v ORDER BY v.name, v.id`,
  );
  return rows.map((r) => ({ ...toVendor(r), entries: r.entries }));
}

async function ensureVendor(tx: Sql, docType: DocType, id: VendorIdentity): Promise<VendorRow | null> {
  const found = await findVendor(tx, docType, id);
  if (found) {
    // What the vendor is known by grows with each document: a tax id first seen now is kept.
    await tx.query(
      `UPDATE vendors SET tax_id = coalesce(tax_id, $2), name_key = coalesce(name_key, $3), layout = $4, updated_at = now()
        WHERE id = $1`,
      [found.id, id.taxId, id.nameKey, JSON.stringify(id.layout)],
    );
    return found;
  }
  if (!id.name && !id.taxId) return null;
  const vendorId = `ven_${randomUUID().slice(0, 13).replace('-', '')}`;
  const [r] = await tx.query<RawVendor>(
    `INSERT INTO vendors (id, doc_type, name, name_key, tax_id, layout) VALUES ($1, $2, $3, $4, $5, $6)
     RETURNING id, doc_type, name, tax_id, layout, created_at, updated_at`,
    [vendorId, docType, id.name ?? id.taxId, id.nameKey, id.taxId, JSON.stringify(id.layout)],
  );
  return toVendor(r!);
}

/** Where a field was on its vendor's page, and the words printed before it. */
export interface PositionLesson {
  page: number;
  /** The value's box as fractions of the page's width and height, so scale does not matter. */
  box: Box;
  label: string | null;
  /** Whether the label is on the value's row (left) or on the row above it. */
  labelPlace: 'left' | 'above' | null;
  text: string;
  value: unknown;
}

export type Lesson =
  | { field: string; kind: 'position'; data: PositionLesson }
  | { field: string; kind: 'date-order'; data: { order: 'DMY' | 'MDY'; text: string; value: string } }
  | { field: string; kind: 'number-locale'; data: { decimal: '.' | ','; text: string; value: string } };

export interface MemoryEntry {
  entryId: string;
  vendorId: string;
  documentId: string;
  field: string;
  kind: Lesson['kind'];
  data: Record<string, unknown>;
  createdBy: string;
  createdAt: string;
  revertedAt: string | null;
  revertedBy: string | null;
}

/** Whether `text` read as a `kind` field gives `value`, trying both date orders and decimal marks. */
function readsAs(kind: FieldKind, text: string, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (kind === 'date') {
    return (['DMY', 'MDY'] as const).some((order) => parseDate(text, { order })?.value === value);
  }
  if (kind === 'money') {
    return (['.', ','] as const).some((decimal) => parseAmount(text, { decimal })?.value === value);
  }
  return normalise(text) === normalise(value) && normalise(value) !== '';
}

function interpret(
  kind: FieldKind,
  text: string,
  hints: { order?: 'DMY' | 'MDY' | undefined; decimal?: '.' | ',' | undefined },
): string | null {
  if (kind === 'date') return parseDate(text, { order: hints.order ?? null })?.value ?? null;
  if (kind === 'money') {
    return parseAmount(text, hints.decimal ? { decimal: hints.decimal } : {})?.value ?? null;
  }
  const t = collapse(text.replace(/^[:#\s]+/, ''));
  return t || null;
}

const inside = (w: Box, b: Box) => {
  const cx = (w.x0 + w.x1) / 2;
  const cy = (w.y0 + w.y1) / 2;
  return cx >= b.x0 && cx <= b.x1 && cy >= b.y0 && cy <= b.y1;
};

interface Span {
  row: Row;
  first: number;
  last: number;
}

/** The words a reviewer's value came from: inside the box they clicked, else found by reading. */
function locate(rows: Row[], kind: FieldKind, value: unknown, evidence: Evidence | null): Span | null {
  if (evidence?.box) {
    for (const row of rows) {
      if (row.page !== evidence.page) continue;
      const idx = row.words.flatMap((w, i) => (inside(w.box, evidence.box!) ? [i] : []));
      if (idx.length) return { row, first: idx[0]!, last: idx.at(-1)! };
    }
  }
  for (const row of rows) {
    for (let first = 0; first < row.words.length; first++) {
      for (let last = first; last < Math.min(row.words.length, first + 8); last++) {
        const text = row.words
          .slice(first, last + 1)
          .map((w) => w.text)
          .join(' ');
        if (readsAs(kind, text, value)) return { row, first, last };
      }
    }
  }
  return null;
}

function labelOf(rows: Row[], span: Span): { label: string; place: 'left' | 'above' } | null {
  const { row, first } = span;
  // The label is the rest of the value's segment to its left ("Invoice no: 4471")...
  let start = first;
  while (start > 0 && segmentEnd(row, start - 1) > first) start--;
  let labelWords = row.words.slice(Math.max(start, first - 4), first);
  // ...or the segment before it, when the value stands in a column of its own.
  if (!labelWords.length && start > 0) {
    let prev = start - 1;
    while (prev > 0 && segmentEnd(row, prev - 1) > start - 1) prev--;
    const gap = row.words[start]!.box.x0 - row.words[start - 1]!.box.x1;
    if (gap < 12 * row.height) labelWords = row.words.slice(Math.max(prev, start - 4), start);
  }
  const left = labelWords
    .map((w) => w.text)
    .join(' ')
    .replace(/[:#\s]+$/, '');
  if (/\p{L}/u.test(left)) return { label: left, place: 'left' };
  // ...or, in boxed forms, the words just above it.
  const box = unionBox(row.words.slice(span.first, span.last + 1).map((w) => w.box));
  const above = rows
    .filter((r) => r.page === row.page && r.box.y1 <= box.y0 + 1 && box.y0 - r.box.y1 < 2.5 * row.height)
    .at(-1);
  if (!above) return null;
  const words = above.words.filter((w) => w.box.x1 > box.x0 - row.height && w.box.x0 < box.x1 + row.height);
  const text = words
    .map((w) => w.text)
    .join(' ')
    .replace(/[:#\s]+$/, '');
  return /\p{L}/u.test(text) ? { label: text, place: 'above' } : null;
}

/** What one corrected field teaches about its vendor; nothing when the value is not on the page. */
export function lessonsFrom(
  docType: DocType,
  read: ReadResult,
  field: string,
  value: unknown,
  evidence: Evidence | null,
): Lesson[] {
  const kind = fieldKind(docType, field);
  if (!kind || kind === 'list' || value === null || value === undefined || value === '') return [];
  const rows = buildView(read).rows;
  const span = locate(rows, kind, value, evidence);
  if (!span) return [];
  const words = span.row.words.slice(span.first, span.last + 1);
  const text = words.map((w) => w.text).join(' ');
  const page = read.pages.find((p) => p.number === span.row.page)!;
  const box = unionBox(words.map((w) => w.box));
  const label = labelOf(rows, span);
  const out: Lesson[] = [
    {
      field,
      kind: 'position',
      data: {
        page: page.number,
        box: {
          x0: box.x0 / page.width,
          y0: box.y0 / page.height,
          x1: box.x1 / page.width,
          y1: box.y1 / page.height,
        },
        label: label?.label ?? null,
        labelPlace: label?.place ?? null,
        text,
        value,
      },
    },
  ];
  if (kind === 'date' && typeof value === 'string') {
    const dmy = parseDate(text, { order: 'DMY' })?.value;
    const mdy = parseDate(text, { order: 'MDY' })?.value;
    // Only a printed date whose order is genuinely open teaches the vendor's order.
    if (dmy && mdy && dmy !== mdy) {
      out.push({ field, kind: 'date-order', data: { order: dmy === value ? 'DMY' : 'MDY', text, value } });
    }
  }
  if (kind === 'money' && typeof value === 'string') {
    const dot = parseAmount(text, { decimal: '.' })?.value;
    const comma = parseAmount(text, { decimal: ',' })?.value;
    if (dot !== comma && (dot === value || comma === value)) {
      out.push({ field, kind: 'number-locale', data: { decimal: dot === value ? '.' : ',', text, value } });
    }
  }
  return out;
}

/**
 * Stores what a document's approved corrections teach, under the vendor it comes from
 * (created on its first correction). Returns the new entries, for the audit event.
 */
export async function learnFromCorrections(
  tx: Sql,
  opts: {
    docType: DocType;
    documentId: string;
    read: ReadResult;
    fields: ExtractedFields;
    corrections: { field: string; value: unknown; evidence: Evidence | null }[];
    actor: string;
  },
): Promise<{ vendor: VendorRow; entries: MemoryEntry[] } | null> {
  const lessons = opts.corrections.flatMap((c) =>
    lessonsFrom(opts.docType, opts.read, c.field, c.value, c.evidence),
  );
  // An approved issuer name is worth keeping even with nothing else to learn, and even where
  // the page's misreading of it cannot be located: a person vouched for it, so the vendor's
  // next documents can be matched against it (read alike: confirmed; misread: put right).
  const issuer = opts.fields[ISSUER_FIELD[opts.docType]]?.value;
  const issuerApproved = typeof issuer === 'string' && issuer.trim() !== '';
  if (!lessons.length && !issuerApproved) return null;
  const vendor = await ensureVendor(tx, opts.docType, identify(opts.docType, opts.read, opts.fields));
  if (!vendor) return null;
  const entries: MemoryEntry[] = [];
  for (const l of lessons) {
    const [r] = await tx.query<RawEntry>(
      `INSERT INTO vendor_memory (id, vendor_id, document_id, field, kind, data, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${ENTRY_COLS}`,
      [
        `mem_${randomUUID().replace(/-/g, '').slice(0, 16)}`,
        vendor.id,
        opts.documentId,
        l.field,
        l.kind,
        JSON.stringify(l.data),
        opts.actor,
      ],
    );
    entries.push(toEntry(r!));
  }
  return { vendor, entries };
}

const ENTRY_COLS =
  'id, vendor_id, document_id, field, kind, data, created_by, created_at, reverted_at, reverted_by';
type RawEntry = {
  id: string;
  vendor_id: string;
  document_id: string;
  field: string;
  kind: Lesson['kind'];
  data: Record<string, unknown>;
  created_by: string;
  created_at: Date;
  reverted_at: Date | null;
  reverted_by: string | null;
};
const toEntry = (r: RawEntry): MemoryEntry => ({
  entryId: r.id,
  vendorId: r.vendor_id,
  documentId: r.document_id,
  field: r.field,
  kind: r.kind,
  data: r.data,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  revertedAt: r.reverted_at?.toISOString() ?? null,
  revertedBy: r.reverted_by,
});

/** A vendor's entries, newest first; reverted ones too, so the history stays visible. */
export async function memoryOf(db: Sql, vendorId: string): Promise<MemoryEntry[]> {
  const rows = await db.query<RawEntry>(
    `SELECT ${ENTRY_COLS} FROM vendor_memory WHERE vendor_id = $1 ORDER BY created_at DESC, id DESC`,
    [vendorId],
  );
  return rows.map(toEntry);
}

/** Stops an entry from being applied. Returns it, or null when there is no live entry of that id. */
export async function revertEntry(
  tx: Sql,
  opts: { vendorId: string; entryId: string; actor: string },
): Promise<MemoryEntry | null> {
  const [r] = await tx.query<RawEntry>(
    `UPDATE vendor_memory SET reverted_at = now(), reverted_by = $3
      WHERE id = $1 AND vendor_id = $2 AND reverted_at IS NULL RETURNING ${ENTRY_COLS}`,
    [opts.entryId, opts.vendorId, opts.actor],
  );
  return r ? toEntry(r) : null;
}

/** Confidence of a value the memory found by its label, and by position alone. */
const BY_LABEL = 0.92;
const BY_POSITION = 0.8;
/** What a rule's value is raised to when the memory finds the same thing. */
const AGREED = 0.98;

function wordsAfterLabel(rows: Row[], lesson: PositionLesson): PlacedWord[] | null {
  if (!lesson.label) return null;
  const view = { rows, text: '' };
  const hits = findLabels(view, [lesson.label]).filter((h) => h.row.page === lesson.page);
  for (const hit of hits) {
    if (lesson.labelPlace === 'left') {
      const end = segmentEnd(hit.row, hit.last);
      let words = hit.row.words.slice(hit.last + 1, end);
      // "Document ref  KF/88213": a value in its own column right after the label's segment.
      if (!words.length) words = hit.row.words.slice(end, segmentEnd(hit.row, end));
      if (words.length) return words;
    } else {
      const below = rows.find(
        (r) =>
          r.page === hit.row.page &&
          r.box.y0 >= hit.box.y1 - 1 &&
          r.box.y0 - hit.box.y1 < 2.5 * hit.row.height,
      );
      const words = below?.words.filter((w) => w.box.x1 > hit.box.x0 - 4 && w.box.x0 < hit.box.x1 + 40);
      if (words?.length) return words;
    }
  }
  return null;
}

function wordsAtPosition(read: ReadResult, lesson: PositionLesson): PlacedWord[] | null {
  const page = read.pages.find((p) => p.number === lesson.page);
  if (!page) return null;
  const pad = 0.004;
  const box = {
    x0: (lesson.box.x0 - pad) * page.width,
    y0: (lesson.box.y0 - pad) * page.height,
    x1: (lesson.box.x1 + pad) * page.width,
    y1: (lesson.box.y1 + pad) * page.height,
  };
  const words = page.lines
    .flatMap((l) => l.words)
    .filter((w) => inside(w.box, box))
    .map((w) => ({ ...w, page: page.number }));
  return words.length ? words : null;
}

function evidenceOf(words: PlacedWord[]): Evidence[] {
  return [
    {
      page: words[0]!.page,
      box: unionBox(words.map((w) => w.box)),
      text: words.map((w) => w.text).join(' '),
    },
  ];
}

/** Live entries of a vendor, the newest lesson of each field and kind first. */
async function liveLessons(db: Sql, vendorId: string): Promise<MemoryEntry[]> {
  const rows = await db.query<RawEntry>(
    `SELECT DISTINCT ON (field, kind) ${ENTRY_COLS} FROM vendor_memory
      WHERE vendor_id = $1 AND reverted_at IS NULL ORDER BY field, kind, created_at DESC, id DESC`,
    [vendorId],
  );
  return rows.map(toEntry);
}

/**
 * Applies a known vendor's memory to freshly extracted fields: a field found where the
 * vendor prints it replaces a rule's miss or mistake; one that agrees gains confidence;
 * dates and amounts whose convention the rules could not tell are read the vendor's way.
 * Fields the memory knows nothing about are returned as they were.
 */
export async function applyVendorMemory(
  db: Sql,
  docType: DocType,
  read: ReadResult,
  fields: ExtractedFields,
): Promise<ExtractedFields> {
  const vendor = await findVendor(db, docType, identify(docType, read, fields));
  if (!vendor) return fields;
  const entries = await liveLessons(db, vendor.id);
  const out: ExtractedFields = { ...fields };
  // The issuer's name as its approved documents spell it: a misread of it on this page gives
  // way to the known name, a match is confirmed.
  const issuer = ISSUER_FIELD[docType];
  const current = out[issuer];
  const printed = typeof current?.value === 'string' ? nameKey(current.value) : null;
  const known = nameKey(vendor.name);
  if (current && printed && known && vendor.name !== current.value && nameDistance(printed, known) !== null) {
    out[issuer] = {
      ...current,
      value: vendor.name,
      confidence: Math.max(current.confidence, BY_LABEL),
      flags: [...(current.flags ?? []), 'vendor-memory', 'vendor-name'],
    };
  } else if (current && vendor.name === current.value) {
    out[issuer] = { ...current, flags: [...new Set([...(current.flags ?? []), 'vendor-memory-agrees'])] };
  }
  const order = entries.find((e) => e.kind === 'date-order')?.data.order as 'DMY' | 'MDY' | undefined;
  const decimal = entries.find((e) => e.kind === 'number-locale')?.data.decimal as '.' | ',' | undefined;
  const tag = (e: MemoryEntry) => ['vendor-memory', `memory:${e.entryId}`];

  // Conventions first: a date the rules flagged as either-way is read in the vendor's order.
  for (const [name, f] of Object.entries(out)) {
    const kind = fieldKind(docType, name);
    const source = f.evidence[0]?.text;
    if (!source) continue;
    if (kind === 'date' && order && f.flags?.includes('ambiguous-date-order')) {
      const v = parseDate(source, { order })?.value;
      const e = entries.find((x) => x.kind === 'date-order')!;
      if (v) out[name] = { ...f, value: v, confidence: BY_LABEL, flags: tag(e) };
    }
    if (kind === 'money' && decimal && f.flags?.includes('ambiguous-separator')) {
      const v = parseAmount(source, { decimal })?.value;
      const e = entries.find((x) => x.kind === 'number-locale')!;
      if (v) out[name] = { ...f, value: v, confidence: BY_LABEL, flags: tag(e) };
    }
  }

  const rows = buildView(read).rows;
  for (const e of entries) {
    // The issuer's name is what found the vendor; its spelling is handled above.
    if (e.kind !== 'position' || e.field === issuer) continue;
    const kind = fieldKind(docType, e.field);
    if (!kind || kind === 'list') continue;
    const lesson = e.data as unknown as PositionLesson;
    const byLabel = wordsAfterLabel(rows, lesson);
    const words = byLabel ?? wordsAtPosition(read, lesson);
    if (!words) continue;
    const value = interpret(kind, words.map((w) => w.text).join(' '), { order, decimal });
    if (value === null) continue;
    const current: ExtractedField | undefined = out[e.field];
    if (current && current.value === value) {
      out[e.field] = {
        ...current,
        confidence: Math.max(current.confidence, AGREED),
        flags: [...(current.flags ?? []).filter((x) => x !== 'ambiguous-date-order'), 'vendor-memory-agrees'],
      };
    } else if (current && current.confidence >= (byLabel ? BY_LABEL : BY_POSITION)) {
      // Memory does not overrule a value the rules read more surely than it reads its own (a
      // shop's receipts vary in length, so a total moves); it casts doubt, which the
      // confidence model weighs.
      out[e.field] = {
        ...current,
        flags: [...new Set([...(current.flags ?? []), 'vendor-memory-disagrees'])],
      };
    } else {
      out[e.field] = {
        value,
        confidence: byLabel ? BY_LABEL : BY_POSITION,
        evidence: evidenceOf(words),
        flags: tag(e),
      };
    }
  }
  return out;
}
