import type { DocType, ExtractedFields } from '../schemas/common.ts';
import type { ReadResult } from '../schemas/read.ts';
import { claimFormExtractor } from './claim-form.extractor.ts';
import type { ExtractContext } from './context.ts';
import { ExtractorRegistry } from './extractor.ts';
import { invoiceExtractor } from './invoice.extractor.ts';
import { medicalBillExtractor } from './medical-bill.extractor.ts';
import { payslipExtractor } from './payslip.extractor.ts';
import { receiptExtractor } from './receipt.extractor.ts';
import { wageStatementExtractor } from './wage-statement.extractor.ts';

export type { ExtractContext } from './context.ts';
export { type Extractor, ExtractorRegistry } from './extractor.ts';

/** A registry with the rule-based extractor of every document type. */
export function defaultExtractors(): ExtractorRegistry {
  return new ExtractorRegistry().register(
    invoiceExtractor,
    receiptExtractor,
    payslipExtractor,
    wageStatementExtractor,
    claimFormExtractor,
    medicalBillExtractor,
  );
}

let shared: ExtractorRegistry | null = null;

/** Extracts the fields of a document of a known type with the built-in extractors. */
export function extractFields(docType: DocType, read: ReadResult, ctx?: ExtractContext): ExtractedFields {
  shared ??= defaultExtractors();
  return shared.extract(docType, read, ctx);
}
