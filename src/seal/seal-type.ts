/**
 * Seal types (印章类型) and the integer each carries in SES_ESPropertyInfo.type. GB/T 38540 leaves the
 * values to the business; these follow the categories of the public-security seal administration.
 */
export const SEAL_TYPES = {
  official: { code: 1, zh: '法定名称章（公章）' },
  finance: { code: 2, zh: '财务专用章' },
  invoice: { code: 3, zh: '发票专用章' },
  contract: { code: 4, zh: '合同专用章' },
  business: { code: 5, zh: '业务专用章' },
  licence: { code: 6, zh: '电子证照专用章' },
  personal: { code: 7, zh: '个人名章' },
} as const;

export type SealType = keyof typeof SEAL_TYPES;
export const SEAL_TYPE_NAMES = Object.keys(SEAL_TYPES) as SealType[];
