import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { PDFDict, PDFDocument, PDFName } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findEInvoice, parseEInvoice, sniffEInvoice } from '../extractors/e-invoice.ts';
import { openPdf } from '../pipeline/adapters/pdf.ts';
import { createLocalDeps } from '../pipeline/deps.ts';
import { DEFAULT_INGEST_LIMITS, ingestBytes, sniffFormat } from '../pipeline/ingest.ts';
import type { PipelineDeps } from '../pipeline/process-document.ts';
import { type DocumentOutcome, processDocument } from '../pipeline/process-document.ts';
import { EINVOICE_DIR } from './helpers/einvoice.ts';

const EINFACH = `${EINVOICE_DIR}XML-Rechnung_FX_EN16931_Einfach.pdf`;
const haveDataset = existsSync(EINFACH);

/** A UBL 2.1 invoice as a Peppol access point delivers it, in Dutch. */
const UBL = `<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
  <cbc:ID>F-2024-0042</cbc:ID>
  <cbc:IssueDate>2024-05-14</cbc:IssueDate>
  <cbc:DueDate>2024-06-13</cbc:DueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cac:AccountingSupplierParty><cac:Party>
    <cac:PartyName><cbc:Name>Bakkerij De Korf</cbc:Name></cac:PartyName>
    <cac:PostalAddress><cbc:StreetName>Dorpsstraat 12</cbc:StreetName><cbc:CityName>Utrecht</cbc:CityName><cbc:PostalZone>3511 AB</cbc:PostalZone></cac:PostalAddress>
    <cac:PartyLegalEntity><cbc:RegistrationName>Bakkerij De Korf B.V. &amp; Zn.</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">8.55</cbc:TaxAmount></cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="EUR">95.00</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="EUR">95.00</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">103.55</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="EUR">103.55</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
  <cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:InvoicedQuantity unitCode="C62">50</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">75.00</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>Krentenbollen</cbc:Name></cac:Item><cac:Price><cbc:PriceAmount currencyID="EUR">1.50</cbc:PriceAmount></cac:Price></cac:InvoiceLine>
  <cac:InvoiceLine><cbc:ID>2</cbc:ID><cbc:InvoicedQuantity unitCode="C62">1000</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">20.00</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>Papieren zakjes</cbc:Name></cac:Item><cac:Price><cbc:PriceAmount currencyID="EUR">2.00</cbc:PriceAmount><cbc:BaseQuantity>100</cbc:BaseQuantity></cac:Price></cac:InvoiceLine>
</Invoice>`;

describe('e-invoice XML', () => {
  it('reads a UBL invoice: registered name, dates, totals, and prices per one unit', () => {
    expect(sniffEInvoice(UBL)).toBe('ubl');
    const inv = parseEInvoice(UBL, 'peppol.xml');
    expect(inv?.format).toBe('ubl');
    const values = Object.fromEntries(Object.entries(inv?.fields ?? {}).map(([k, f]) => [k, f.value]));
    expect(values).toMatchObject({
      vendorName: 'Bakkerij De Korf B.V. & Zn.',
      invoiceNumber: 'F-2024-0042',
      invoiceDate: '2024-05-14',
      dueDate: '2024-06-13',
      currency: 'EUR',
      subtotal: '95.00',
      taxAmount: '8.55',
      total: '103.55',
    });
    expect(values.lineItems).toEqual([
      { description: 'Krentenbollen', quantity: '50', unitPrice: '1.50', amount: '75.00' },
      { description: 'Papieren zakjes', quantity: '1000', unitPrice: '0.02', amount: '20.00' },
    ]);
    expect(inv?.problems).toEqual([]);
    const total = inv?.fields.total;
    expect(total?.confidence).toBe(1);
    expect(total?.evidence[0]).toMatchObject({
      attachment: 'peppol.xml',
      path: 'LegalMonetaryTotal/TaxInclusiveAmount',
    });
  });

  it("finds the XML's own line total that does not add up", () => {
    const broken = UBL.replace(
      '<cbc:LineExtensionAmount currencyID="EUR">95.00',
      '<cbc:LineExtensionAmount currencyID="EUR">96.00',
    );
    expect(parseEInvoice(broken, 'x.xml')?.problems[0]).toMatch(
      /add up to 95.00, but the XML's line total is 96.00/,
    );
  });

  it('refuses XML that declares entities, and ignores XML that is no invoice', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY a "aaaa">]>${UBL.slice(UBL.indexOf('<Invoice'))}`;
    expect(() => parseEInvoice(bomb, 'bomb.xml')).toThrow(/declares XML entities/);
    expect(findEInvoice([{ name: 'bomb.xml', xml: bomb }])).toMatchObject({
      error: expect.stringMatching(/bomb.xml/),
    });
    expect(parseEInvoice('<?xml version="1.0"?><timesheet><hours>8</hours></timesheet>', 't.xml')).toBeNull();
    expect(sniffFormat(new TextEncoder().encode(UBL))).toBe('xml');
    expect(sniffFormat(new TextEncoder().encode('<?xml version="1.0"?><svg></svg>'))).toBeNull();
  });
});

describe.skipIf(!haveDataset)('e-invoice PDFs from einvoice-dev', () => {
  let deps: PipelineDeps;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ deps, close } = await createLocalDeps({ limits: DEFAULT_INGEST_LIMITS, lineReader: false }));
  });
  afterAll(async () => close?.());

  const run = async (name: string, bytes: Uint8Array): Promise<DocumentOutcome> => {
    const ingested = ingestBytes(name, bytes);
    if (!ingested.ok) throw new Error(ingested.failure.message);
    return processDocument(ingested.file, deps);
  };
  const fieldsOf = (o: DocumentOutcome) =>
    o.kind === 'posted' ? o.record.fields : o.kind === 'review' ? o.item.fields : {};

  it('posts a Factur-X PDF from its embedded XML, every value exact and pointing at the attachment', async () => {
    const outcome = await run('einfach.pdf', new Uint8Array(await readFile(EINFACH)));
    expect(outcome.kind).toBe('posted');
    const f = fieldsOf(outcome);
    expect(f.vendorName?.value).toBe('Lieferant GmbH');
    expect(f.invoiceNumber?.value).toBe('471102');
    expect(f.invoiceDate?.value).toBe('2018-03-05');
    expect(f.total?.value).toBe('529.87');
    expect(f.taxAmount?.value).toBe('56.87');
    expect(f.currency?.value).toBe('EUR');
    expect(f.total?.confidence).toBe(1);
    expect(f.total?.evidence[0]?.attachment).toBe('factur-x.xml');
  });

  it('sends to review a PDF whose XML disagrees with its page, naming the field', async () => {
    const source = await readFile(EINFACH);
    const pdf = await PDFDocument.load(source);
    // Drop the original attachment and embed one whose total the page does not print.
    const names = pdf.catalog.lookup(PDFName.of('Names'), PDFDict);
    names.delete(PDFName.of('EmbeddedFiles'));
    const original = await openPdf(new Uint8Array(source));
    const [xml] = await original.xmlAttachments();
    await original.close();
    const altered = xml!.xml.replace('<ram:GrandTotalAmount>529.87<', '<ram:GrandTotalAmount>592.87<');
    expect(altered).not.toBe(xml!.xml);
    await pdf.attach(new TextEncoder().encode(altered), 'factur-x.xml', { mimeType: 'text/xml' });
    const outcome = await run('altered.pdf', await pdf.save());
    expect(outcome.kind).toBe('review');
    const reasons = outcome.kind === 'review' ? outcome.item.reasons : [];
    const mismatch = reasons.find((r) => r.code === 'e-invoice-mismatch');
    expect(mismatch?.fields).toEqual(['total']);
    expect(mismatch?.message).toMatch(/592.87/);
    expect(fieldsOf(outcome).total?.value).toBe('592.87');
  });

  it('reads a bare CII XML upload with no pages', async () => {
    const original = await openPdf(new Uint8Array(await readFile(EINFACH)));
    const [xml] = await original.xmlAttachments();
    await original.close();
    const outcome = await run('471102.xml', new TextEncoder().encode(xml!.xml));
    expect(outcome.kind).toBe('posted');
    expect(fieldsOf(outcome).invoiceNumber?.value).toBe('471102');
    expect(outcome.kind === 'posted' ? outcome.record.pages : null).toEqual([]);
  });
});
