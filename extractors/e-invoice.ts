import { XMLParser } from 'fast-xml-parser';
import type { Evidence, ExtractedField, ExtractedFields } from '../schemas/common.ts';
import type { ReadResult, XmlAttachment } from '../schemas/read.ts';
import type { ReviewReason } from '../schemas/record.ts';
import { findAmounts, toCents } from './parse/amount.ts';
import { findDates } from './parse/date.ts';

/**
 * Structured e-invoices: UN/CEFACT Cross Industry Invoice (the XML inside Factur-X, ZUGFeRD 2.x
 * and XRechnung-CII) and OASIS UBL 2.x (Peppol, XRechnung-UBL). An invoice that carries one is
 * read from it, not from its pages: the XML is what the seller's ERP wrote, so every value is
 * exact and is given confidence 1.
 */
export type EInvoiceFormat = 'cii' | 'ubl';

export interface EInvoice {
  format: EInvoiceFormat;
  /** The attachment (or uploaded file) the invoice was read from. */
  source: string;
  /** The guideline the XML says it follows (Factur-X/ZUGFeRD profile URN, XRechnung CIUS...). */
  profile: string | null;
  /** UNTDID 1001 document type: 380 commercial invoice, 381 credit note, 384 corrected... */
  typeCode: string | null;
  fields: ExtractedFields;
  /**
   * The XML's own arithmetic that does not hold (EN 16931 BR-CO-10: the lines add up to the
   * header's line total). Page rules such as quantity × price = amount do not apply here: the
   * XML prices per basis quantity and books allowances and charges the page rules cannot see.
   */
  problems: string[];
}

/** Where a value came from inside the XML: the element path, for a reviewer or an auditor. */
type Path = string;

// Entity declarations are how an XML bomb or an external-entity read gets in; an e-invoice
// has no use for them.
const DOCTYPE_ENTITY = /<!DOCTYPE[^>]*\[|<!ENTITY/i;

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // Identifiers such as "0012" or "471102" must stay strings, exactly as written.
  parseTagValue: false,
  parseAttributeValue: false,
  // Only the five predefined entities and character references: declared ones are refused above.
  processEntities: true,
  trimValues: true,
});

type Node = Record<string, unknown>;

/** Whether bytes look like an XML e-invoice, from the root element alone (cheap, for ingest). */
export function sniffEInvoice(text: string): EInvoiceFormat | null {
  const head = text.slice(0, 64 * 1024);
  const root = /<(?:[A-Za-z_][\w.-]*:)?(CrossIndustryInvoice|Invoice|CreditNote)[\s>]/.exec(
    head.replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->/g, ''),
  );
  if (!root) return null;
  if (root[1] === 'CrossIndustryInvoice') return 'cii';
  return /urn:oasis:names:specification:ubl:schema:xsd:(Invoice|CreditNote)-2/.test(head) ? 'ubl' : null;
}

/**
 * Reads an e-invoice XML. Returns null for XML that is neither CII nor UBL (an attachment can be
 * anything: a timesheet, a signature); throws on XML that claims to be one but cannot be parsed.
 */
export function parseEInvoice(xml: string, source: string): EInvoice | null {
  const format = sniffEInvoice(xml);
  if (!format) return null;
  if (DOCTYPE_ENTITY.test(xml))
    throw new Error(`${source} declares XML entities, which an e-invoice never needs`);
  const doc = parser.parse(xml) as Node;
  return format === 'cii' ? readCii(doc, source) : readUbl(doc, source);
}

/** The first element at `path` (names without namespace prefixes), descending into arrays. */
function at(node: unknown, path: string): unknown {
  let cur: unknown = node;
  for (const key of path.split('/')) {
    if (Array.isArray(cur)) cur = cur[0];
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Node)[key];
  }
  return Array.isArray(cur) ? cur[0] : cur;
}

function all(node: unknown, path: string): unknown[] {
  const parts = path.split('/');
  const last = parts.pop() ?? '';
  const parent = parts.length ? at(node, parts.join('/')) : node;
  if (!parent || typeof parent !== 'object') return [];
  const v = (parent as Node)[last];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Text of an element, whether the parser gave a string or an object with attributes. */
function text(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v.trim() === '' ? null : v.trim();
  if (typeof v === 'object' && '#text' in (v as Node)) return text((v as Node)['#text']);
  return null;
}

function attr(v: unknown, name: string): string | null {
  return v && typeof v === 'object' ? text((v as Node)[`@${name}`]) : null;
}

function money(raw: string | null): string | null {
  if (raw === null || !/^[-+]?\d+(\.\d+)?$/.test(raw)) return null;
  const n = Number(raw);
  return (Math.round(n * 100) / 100).toFixed(2).replace(/^-0\.00$/, '0.00');
}

function quantity(raw: string | null): string | null {
  if (raw === null || !/^[-+]?\d+(\.\d+)?$/.test(raw)) return null;
  return String(Number(raw));
}

/** CII dates are format 102 (YYYYMMDD) almost always; 610 (YYYYMM) and 616 (YYYYWW) have no day. */
function ciiDate(v: unknown): string | null {
  const raw = text(v);
  if (!raw) return null;
  const format = attr(v, 'format') ?? '102';
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(raw);
  return format === '102' && m ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

function isoDate(v: unknown): string | null {
  const raw = text(v);
  return raw && /^\d{4}-\d{2}-\d{2}$/.test(raw.slice(0, 10)) ? raw.slice(0, 10) : null;
}

class FieldSink {
  readonly fields: ExtractedFields = {};
  constructor(private readonly source: string) {}

  evidence(path: Path, raw: string): Evidence {
    return { page: 1, box: null, text: raw, attachment: this.source, path };
  }

  put(name: string, value: unknown, path: Path, raw: string | null): void {
    if (value === null || value === undefined || value === '' || raw === null) return;
    const field: ExtractedField = {
      value,
      confidence: 1,
      evidence: [this.evidence(path, raw)],
      flags: ['e-invoice'],
    };
    this.fields[name] = field;
  }
}

function collapse(s: string | null): string | null {
  return s === null ? null : s.replace(/\s+/g, ' ').trim() || null;
}

function joinAddress(parts: (string | null)[]): string | null {
  const s = parts.filter((p): p is string => !!p).join(', ');
  return s === '' ? null : s;
}

function readCii(doc: Node, source: string): EInvoice {
  const root = at(doc, 'CrossIndustryInvoice');
  const sink = new FieldSink(source);
  const exchanged = 'ExchangedDocument';
  const tx = 'SupplyChainTradeTransaction';
  const seller = `${tx}/ApplicableHeaderTradeAgreement/SellerTradeParty`;
  const settlement = `${tx}/ApplicableHeaderTradeSettlement`;
  const sums = `${settlement}/SpecifiedTradeSettlementHeaderMonetarySummation`;

  const id = text(at(root, `${exchanged}/ID`));
  sink.put('invoiceNumber', id, `${exchanged}/ID`, id);
  const issue = at(root, `${exchanged}/IssueDateTime/DateTimeString`);
  sink.put('invoiceDate', ciiDate(issue), `${exchanged}/IssueDateTime`, text(issue));

  const name = collapse(text(at(root, `${seller}/Name`)));
  sink.put('vendorName', name, `${seller}/Name`, name);
  const addr = at(root, `${seller}/PostalTradeAddress`);
  const address = joinAddress([
    text(at(addr, 'LineOne')),
    text(at(addr, 'LineTwo')),
    text(at(addr, 'LineThree')),
    collapse([text(at(addr, 'PostcodeCode')), text(at(addr, 'CityName'))].filter(Boolean).join(' ')),
  ]);
  sink.put('vendorAddress', address, `${seller}/PostalTradeAddress`, address);

  const currency = text(at(root, `${settlement}/InvoiceCurrencyCode`));
  sink.put('currency', currency, `${settlement}/InvoiceCurrencyCode`, currency);
  for (const [field, el] of [
    ['subtotal', 'TaxBasisTotalAmount'],
    ['total', 'GrandTotalAmount'],
  ] as const) {
    const raw = text(at(root, `${sums}/${el}`));
    sink.put(field, money(raw), `${sums}/${el}`, raw);
  }
  // A seller may state the tax twice, in the invoice currency and in the accounting one.
  const taxes = all(root, `${sums}/TaxTotalAmount`);
  const tax = taxes.find((t) => attr(t, 'currencyID') === currency) ?? taxes[0];
  sink.put('taxAmount', money(text(tax)), `${sums}/TaxTotalAmount`, text(tax));
  const due = at(root, `${settlement}/SpecifiedTradePaymentTerms/DueDateDateTime/DateTimeString`);
  sink.put('dueDate', ciiDate(due), `${settlement}/SpecifiedTradePaymentTerms/DueDateDateTime`, text(due));

  const items = all(root, `${tx}/IncludedSupplyChainTradeLineItem`).map((line) => {
    const price = 'SpecifiedLineTradeAgreement/NetPriceProductTradePrice';
    return {
      description: collapse(text(at(line, 'SpecifiedTradeProduct/Name'))),
      quantity: quantity(text(at(line, 'SpecifiedLineTradeDelivery/BilledQuantity'))),
      unitPrice: unitPrice(text(at(line, `${price}/ChargeAmount`)), text(at(line, `${price}/BasisQuantity`))),
      amount: money(
        text(
          at(
            line,
            'SpecifiedLineTradeSettlement/SpecifiedTradeSettlementLineMonetarySummation/LineTotalAmount',
          ),
        ),
      ),
    };
  });
  putItems(sink, items, `${tx}/IncludedSupplyChainTradeLineItem`);
  const problems = lineTotalProblems(items, text(at(root, `${sums}/LineTotalAmount`)));

  return {
    format: 'cii',
    source,
    profile: text(at(root, 'ExchangedDocumentContext/GuidelineSpecifiedDocumentContextParameter/ID')),
    typeCode: text(at(root, `${exchanged}/TypeCode`)),
    fields: sink.fields,
    problems,
  };
}

function readUbl(doc: Node, source: string): EInvoice {
  const credit = 'CreditNote' in doc;
  const root = at(doc, credit ? 'CreditNote' : 'Invoice');
  const sink = new FieldSink(source);
  const party = 'AccountingSupplierParty/Party';
  const sums = 'LegalMonetaryTotal';

  const id = text(at(root, 'ID'));
  sink.put('invoiceNumber', id, 'ID', id);
  const issue = at(root, 'IssueDate');
  sink.put('invoiceDate', isoDate(issue), 'IssueDate', text(issue));
  const duePath = at(root, 'DueDate') !== undefined ? 'DueDate' : 'PaymentMeans/PaymentDueDate';
  const due = at(root, duePath);
  sink.put('dueDate', isoDate(due), duePath, text(due));

  // The registered name is the legal issuer; the trading name is what a letterhead may show.
  const namePath =
    text(at(root, `${party}/PartyLegalEntity/RegistrationName`)) !== null
      ? `${party}/PartyLegalEntity/RegistrationName`
      : `${party}/PartyName/Name`;
  const name = collapse(text(at(root, namePath)));
  sink.put('vendorName', name, namePath, name);
  const addr = at(root, `${party}/PostalAddress`);
  const address = joinAddress([
    text(at(addr, 'StreetName')),
    text(at(addr, 'AdditionalStreetName')),
    text(at(addr, 'AddressLine/Line')),
    collapse([text(at(addr, 'PostalZone')), text(at(addr, 'CityName'))].filter(Boolean).join(' ')),
  ]);
  sink.put('vendorAddress', address, `${party}/PostalAddress`, address);

  const currency = text(at(root, 'DocumentCurrencyCode'));
  sink.put('currency', currency, 'DocumentCurrencyCode', currency);
  for (const [field, el] of [
    ['subtotal', 'TaxExclusiveAmount'],
    ['total', 'TaxInclusiveAmount'],
  ] as const) {
    const raw = text(at(root, `${sums}/${el}`));
    sink.put(field, money(raw), `${sums}/${el}`, raw);
  }
  const taxes = all(root, 'TaxTotal').map((t) => at(t, 'TaxAmount'));
  const tax = taxes.find((t) => attr(t, 'currencyID') === currency) ?? taxes[0];
  sink.put('taxAmount', money(text(tax)), 'TaxTotal/TaxAmount', text(tax));

  const lineEl = credit ? 'CreditNoteLine' : 'InvoiceLine';
  const items = all(root, lineEl).map((line) => ({
    description: collapse(text(at(line, 'Item/Name'))),
    quantity: quantity(text(at(line, credit ? 'CreditedQuantity' : 'InvoicedQuantity'))),
    unitPrice: unitPrice(text(at(line, 'Price/PriceAmount')), text(at(line, 'Price/BaseQuantity'))),
    amount: money(text(at(line, 'LineExtensionAmount'))),
  }));
  putItems(sink, items, lineEl);
  const problems = lineTotalProblems(items, text(at(root, `${sums}/LineExtensionAmount`)));

  return {
    format: 'ubl',
    source,
    profile: text(at(root, 'CustomizationID')),
    typeCode: text(at(root, credit ? 'CreditNoteTypeCode' : 'InvoiceTypeCode')) ?? (credit ? '381' : '380'),
    fields: sink.fields,
    problems,
  };
}

interface XmlItem {
  description: string | null;
  quantity: string | null;
  unitPrice: string | null;
  amount: string | null;
}

/** The price of one unit: the XML may price per 100 or per 1000 (its basis quantity). */
function unitPrice(price: string | null, basis: string | null): string | null {
  const b = basis !== null && /^\d+(\.\d+)?$/.test(basis) ? Number(basis) : 1;
  if (price === null || b === 0) return money(price);
  return money(b === 1 ? price : String(Number(price) / b));
}

function lineTotalProblems(items: XmlItem[], headerTotal: string | null): string[] {
  const header = money(headerTotal);
  const amounts = items.map((i) => i.amount);
  if (header === null || amounts.length === 0 || amounts.some((a) => a === null)) return [];
  const sum = amounts.reduce((acc, a) => acc + Math.round(Number(a) * 100), 0);
  if (Math.abs(sum - Math.round(Number(header) * 100)) <= 1) return [];
  return [
    `the ${items.length} line amounts add up to ${(sum / 100).toFixed(2)}, but the XML's line total is ${header}`,
  ];
}

function putItems(sink: FieldSink, items: XmlItem[], path: Path): void {
  const kept = items
    .filter((i) => i.description !== null)
    .map((i) => Object.fromEntries(Object.entries(i).filter(([, v]) => v !== null))) as Record<
    string,
    string
  >[];
  if (kept.length === 0) return;
  sink.put('lineItems', kept, path, `${kept.length} line items`);
}

/** The first attachment that is a readable e-invoice, or why the one that claims to be is not. */
export function findEInvoice(
  attachments: readonly XmlAttachment[] | undefined,
): { invoice: EInvoice } | { error: string } | null {
  let error: string | null = null;
  for (const a of attachments ?? []) {
    try {
      const invoice = parseEInvoice(a.xml, a.name);
      if (invoice) return { invoice };
    } catch (e) {
      error ??= `${a.name}: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  return error ? { error } : null;
}

/**
 * The page is the invoice the buyer saw and the XML the one the ERP books; where they differ,
 * one of them is wrong and a person must say which. Checks that the XML's number, date and
 * total are printed on the pages, in any of the formats a page uses (decimal comma or point,
 * day or month first, month names). A document with no pages (a bare XML upload) has nothing
 * to check against.
 */
export function crossCheckPages(invoice: EInvoice, read: ReadResult): ReviewReason[] {
  const text = read.pages.flatMap((p) => p.lines.map((l) => l.text)).join('\n');
  if (text.trim() === '') return [];
  const missing: string[] = [];
  const number = invoice.fields.invoiceNumber?.value;
  if (typeof number === 'string' && !squeezed(text).includes(squeezed(number))) missing.push('invoiceNumber');
  const date = invoice.fields.invoiceDate?.value;
  if (typeof date === 'string') {
    const printed = new Set(
      (['DMY', 'MDY'] as const).flatMap((order) =>
        findDates(text, { order, minYear: 1900 }).map((d) => d.value),
      ),
    );
    if (!printed.has(date)) missing.push('invoiceDate');
  }
  const total = invoice.fields.total?.value;
  if (typeof total === 'string') {
    const want = Math.abs(toCents(total));
    const printed = (['.', ','] as const).flatMap((decimal) => findAmounts(text, { decimal }));
    if (!printed.some((a) => Math.abs(toCents(a.value)) === want)) missing.push('total');
  }
  if (missing.length === 0) return [];
  return [
    {
      code: 'e-invoice-mismatch',
      fields: missing,
      message: `The embedded e-invoice (${invoice.source}) gives ${missing
        .map((f) => `${f} ${JSON.stringify(invoice.fields[f]?.value)}`)
        .join(', ')}, which the pages do not show: check which one is right.`,
    },
  ];
}

function squeezed(s: string): string {
  return s.toLowerCase().replace(/\s+/g, '');
}
