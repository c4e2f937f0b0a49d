import { z } from 'zod';
import { CanonicalDate, CanonicalMoney, CurrencyCode, type DocType } from './common.ts';

const text = (what: string) => z.string().min(1).describe(what);

export const LineItemSchema = z
  .object({
    description: text('what was bought or billed, as printed'),
    quantity: z
      .string()
      .regex(/^-?\d+(\.\d+)?$/)
      .optional()
      .describe('quantity as a decimal string'),
    unitPrice: CanonicalMoney.optional().describe('price of one unit'),
    amount: CanonicalMoney.describe('line amount (quantity × unit price)'),
  })
  .describe('one row of a line-item table');
export type LineItem = z.infer<typeof LineItemSchema>;

export const InvoiceSchema = z.object({
  vendorName: text('the company that issued the invoice'),
  vendorAddress: text('the issuer address, lines joined with ", "').optional(),
  invoiceNumber: text('the invoice number or identifier, as printed'),
  invoiceDate: CanonicalDate.describe('the date the invoice was issued'),
  dueDate: CanonicalDate.optional().describe('the date payment is due'),
  currency: CurrencyCode,
  subtotal: CanonicalMoney.optional().describe('total before tax'),
  taxAmount: CanonicalMoney.optional().describe('tax (VAT, GST, sales tax) amount'),
  total: CanonicalMoney.describe('amount to pay, including tax'),
  lineItems: z.array(LineItemSchema).optional().describe('the billed items'),
});

export const ReceiptSchema = z.object({
  merchantName: text('the shop or company name printed at the top'),
  merchantAddress: text('the shop address as printed, its lines joined with a space').optional(),
  date: CanonicalDate.describe('the date of purchase'),
  currency: CurrencyCode,
  subtotal: CanonicalMoney.optional().describe('total before tax'),
  taxAmount: CanonicalMoney.optional().describe('tax amount'),
  total: CanonicalMoney.describe('the amount paid (total / amount due), not cash tendered or change'),
  lineItems: z.array(LineItemSchema).optional().describe('the purchased items'),
});

export const PayslipSchema = z.object({
  employerName: text('the employer company name'),
  employeeName: text('the employee full name'),
  employeeId: text('employee number or id, as printed').optional(),
  payPeriodStart: CanonicalDate.describe('first day of the pay period'),
  payPeriodEnd: CanonicalDate.describe('last day of the pay period'),
  payDate: CanonicalDate.optional().describe('the date the pay was paid'),
  currency: CurrencyCode,
  grossPay: CanonicalMoney.describe('total earnings before deductions'),
  totalDeductions: CanonicalMoney.optional().describe('sum of all deductions'),
  netPay: CanonicalMoney.describe('amount paid to the employee after deductions'),
});

export const WageStatementSchema = z.object({
  employerName: text('the employer name'),
  employerId: text('employer identification number (EIN), as printed'),
  employeeName: text('the employee full name'),
  employeeSsn: z
    .string()
    .regex(/^\d{3}-\d{2}-\d{4}$/)
    .describe("employee's social security number, NNN-NN-NNNN (personal data)"),
  taxYear: z
    .string()
    .regex(/^\d{4}$/)
    .describe('the tax year the statement covers'),
  currency: CurrencyCode,
  wages: CanonicalMoney.describe('box 1: wages, tips, other compensation'),
  federalTaxWithheld: CanonicalMoney.describe('box 2: federal income tax withheld'),
  socialSecurityWages: CanonicalMoney.optional().describe('box 3: social security wages'),
  socialSecurityTax: CanonicalMoney.optional().describe('box 4: social security tax withheld'),
  medicareWages: CanonicalMoney.optional().describe('box 5: medicare wages and tips'),
  medicareTax: CanonicalMoney.optional().describe('box 6: medicare tax withheld'),
});

export const ClaimFormSchema = z.object({
  insurerName: text('the insurance company the claim is made to'),
  policyNumber: text('the policy number, as printed'),
  claimantName: text('the person making the claim'),
  incidentDate: CanonicalDate.describe('the date of the loss, accident or treatment'),
  claimDate: CanonicalDate.optional().describe('the date the form was signed or submitted'),
  currency: CurrencyCode,
  amountClaimed: CanonicalMoney.describe('the total amount claimed'),
  description: text('what happened, as written').optional(),
});

export const MedicalBillSchema = z.object({
  providerName: text('the hospital, clinic or practitioner that billed'),
  providerAddress: text('the provider address, lines joined with ", "').optional(),
  patientName: text('the patient full name'),
  accountNumber: text('patient account or bill number, as printed').optional(),
  serviceDate: CanonicalDate.describe('the date of service'),
  billDate: CanonicalDate.optional().describe('the date the bill was issued'),
  dueDate: CanonicalDate.optional().describe('the date payment is due'),
  currency: CurrencyCode,
  totalCharges: CanonicalMoney.describe('sum of the charges before insurance'),
  insurancePaid: CanonicalMoney.optional().describe('amount paid or adjusted by insurance'),
  amountDue: CanonicalMoney.describe('balance the patient owes'),
  lineItems: z.array(LineItemSchema).optional().describe('the billed services'),
});

export const DOCUMENT_SCHEMAS = {
  invoice: InvoiceSchema,
  receipt: ReceiptSchema,
  payslip: PayslipSchema,
  wage_statement: WageStatementSchema,
  claim_form: ClaimFormSchema,
  medical_bill: MedicalBillSchema,
} as const satisfies Record<DocType, z.ZodObject>;

/**
 * Fields that name or identify a person. Records keep them whole (the ERP needs them); logs
 * never show them (pipeline/log.ts masks them by name wherever they appear).
 */
export const PERSONAL_FIELDS = [
  'employeeName',
  'employeeId',
  'employeeSsn',
  'claimantName',
  'policyNumber',
  'patientName',
  'accountNumber',
] as const;

export type DocumentFields = {
  [K in DocType]: z.infer<(typeof DOCUMENT_SCHEMAS)[K]>;
};

/** Fields that must be present and confident for a document to post; derived from the schemas. */
export function requiredFields(docType: DocType): string[] {
  const shape = DOCUMENT_SCHEMAS[docType].shape as Record<string, z.ZodType>;
  return Object.entries(shape)
    .filter(([, s]) => !s.safeParse(undefined).success)
    .map(([k]) => k);
}

/** Bumped when a schema changes shape, so consumers can tell records apart. */
export const SCHEMA_VERSION = '1';
