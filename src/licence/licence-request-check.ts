// Checks of an issuance request against its licence type that need no I/O: holder code and category,
// validity dates and range, face fields (missing, unknown, too long, wrong format). The template's own
// fit check (too long for its box) runs in the renderer.

import { HOLDER_CODE_TYPES, validateHolderCode } from './holder-code.js';
import type { FaceField, LicenceTypeDefinition } from './licence-type.js';

export interface RequestIssue {
  code: string;
  field: string;
  message: string;
}

export interface LicenceRequestInput {
  holder: { name: string; code: string; codeType: string };
  validFrom: string;
  validTo?: string | null | undefined;
  fields: Record<string, string>;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date written YYYY-MM-DD. */
export function isIsoDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

function addYears(date: string, years: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y + years, m - 1, d));
  return t.toISOString().slice(0, 10);
}

function checkField(f: FaceField, value: string): RequestIssue | null {
  const at = `fields.${f.key}`;
  if ([...value].length > f.maxLength)
    return {
      code: 'too-long',
      field: at,
      message: `${f.label}超过${f.maxLength}个字符 / ${f.key} is longer than ${f.maxLength} characters`,
    };
  if (f.type === 'date' && !isIsoDate(value))
    return {
      code: 'bad-format',
      field: at,
      message: `${f.label}应为日期 YYYY-MM-DD / ${f.key} must be a date YYYY-MM-DD`,
    };
  if (f.type === 'number' && !/^-?\d+(\.\d+)?$/.test(value))
    return { code: 'bad-format', field: at, message: `${f.label}应为数字 / ${f.key} must be a number` };
  if (f.type !== 'multiline' && /[\r\n]/.test(value))
    return { code: 'bad-format', field: at, message: `${f.label}不能换行 / ${f.key} must be one line` };
  return null;
}

/**
 * Errors (the first is reported as a 422 naming its field) and warnings (accepted, returned to the caller).
 * `fields` values are trimmed by the caller.
 */
export function checkLicenceRequest(
  type: LicenceTypeDefinition,
  req: LicenceRequestInput,
): { errors: RequestIssue[]; warnings: RequestIssue[]; holderCode: string } {
  const errors: RequestIssue[] = [];
  const warnings: RequestIssue[] = [];

  const holder = validateHolderCode(req.holder.code, req.holder.codeType);
  for (const e of holder.errors)
    errors.push({ code: `holder-code-${e.code}`, field: 'holder.code', message: e.message });
  for (const w of holder.warnings)
    warnings.push({ code: `holder-code-${w.code}`, field: 'holder.code', message: w.message });
  const kind = HOLDER_CODE_TYPES[req.holder.codeType]?.holder;
  if (
    kind &&
    ((type.holderCategory === 'person' && kind !== 'person') ||
      (type.holderCategory === 'legal-entity' && kind !== 'entity'))
  )
    errors.push({
      code: 'holder-category',
      field: 'holder.codeType',
      message: `该证照的持证主体应为${type.holderCategory === 'person' ? '自然人' : '法人或其他组织'} / this licence type is for ${type.holderCategory === 'person' ? 'persons' : 'legal entities'}`,
    });

  if (!isIsoDate(req.validFrom))
    errors.push({
      code: 'bad-date',
      field: 'validFrom',
      message: '有效期起始日期应为 YYYY-MM-DD / validFrom must be a date YYYY-MM-DD',
    });
  const validTo = req.validTo ?? null;
  if (validTo === null) {
    if (!type.validity.longTermAllowed)
      errors.push({
        code: 'validity-required',
        field: 'validTo',
        message: '该证照须有截止日期 / this licence type needs validTo (long-term is not allowed)',
      });
  } else if (!isIsoDate(validTo)) {
    errors.push({
      code: 'bad-date',
      field: 'validTo',
      message: '有效期截止日期应为 YYYY-MM-DD / validTo must be a date YYYY-MM-DD',
    });
  } else if (isIsoDate(req.validFrom)) {
    if (validTo < req.validFrom)
      errors.push({
        code: 'validity-order',
        field: 'validTo',
        message: '截止日期早于起始日期 / validTo is before validFrom',
      });
    else if (type.validity.maxYears !== null && validTo > addYears(req.validFrom, type.validity.maxYears))
      errors.push({
        code: 'validity-too-long',
        field: 'validTo',
        message: `有效期不得超过${type.validity.maxYears}年 / validity is limited to ${type.validity.maxYears} years`,
      });
  }

  const known = new Map(type.fields.map((f) => [f.key, f]));
  for (const key of Object.keys(req.fields))
    if (!known.has(key))
      errors.push({
        code: 'unknown-field',
        field: `fields.${key}`,
        message: `该证照类型没有照面字段 ${key} / the licence type has no face field ${key}`,
      });
  for (const f of type.fields) {
    const v = req.fields[f.key];
    if (v === undefined || v === '') {
      if (f.required)
        errors.push({
          code: 'missing-field',
          field: `fields.${f.key}`,
          message: `缺少必填照面信息：${f.label} / required face field ${f.key} is missing`,
        });
      continue;
    }
    const issue = checkField(f, v);
    if (issue) errors.push(issue);
  }
  return { errors, warnings, holderCode: holder.normalized ?? req.holder.code.trim() };
}
