// Citizen identity number (公民身份号码), GB 11643-1999: 6-digit area + YYYYMMDD + 3-digit sequence + check.

import { chinaDate } from './china-date.js';
import { mod112Check } from './iso7064.js';
import { isProvinceCode } from './region-code.js';

export interface CitizenIdIssue {
  code: string;
  message: string;
}

export interface CitizenIdValidation {
  valid: boolean;
  errors: CitizenIdIssue[];
  warnings: CitizenIdIssue[];
  /** The number with a lowercase x written as X. */
  normalized?: string;
  /** 出生日期 as YYYY-MM-DD. */
  birthDate?: string;
  /** 性别: odd sequence (17th digit) male, even female. */
  sex?: 'male' | 'female';
  /** 地址码 as of issue; it may since have been retired from GB/T 2260. */
  areaCode?: string;
}

export interface CitizenIdOptions {
  /** Reference time for the "not in the future" rule; defaults to now. */
  now?: Date;
}

const SHAPE = /^[0-9]{17}[0-9Xx]$/;
const EARLIEST_BIRTH = '1850-01-01';
// 港澳台居民居住证 numbers share this format with area 810000 (HK), 820000 (Macao) or 830000 (Taiwan);
// 83 is not a GB/T 2260 province, so it is recognised here rather than in region-code.ts.
const RESIDENCE_PERMIT_AREAS = new Set(['810000', '820000', '830000']);

function isCalendarDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}

export function validateCitizenId(id: string, options: CitizenIdOptions = {}): CitizenIdValidation {
  const errors: CitizenIdIssue[] = [];
  const warnings: CitizenIdIssue[] = [];
  if (typeof id !== 'string' || !SHAPE.test(id)) {
    errors.push({
      code: 'format',
      message:
        '公民身份号码应为18位：17位数字加1位数字或X / citizen ID must be 17 digits followed by a digit or X',
    });
    return { valid: false, errors, warnings };
  }
  const normalized = id.toUpperCase();
  if (normalized !== id) {
    warnings.push({
      code: 'lowercase-x',
      message: '校验码应为大写 X / the check character should be an uppercase X',
    });
  }

  const areaCode = normalized.slice(0, 6);
  const province = areaCode.slice(0, 2);
  const residencePermit = RESIDENCE_PERMIT_AREAS.has(areaCode);
  // '10' is the national node in region-code.ts, not a place where residents are registered.
  if (!residencePermit && (province === '10' || !isProvinceCode(province))) {
    errors.push({
      code: 'area',
      message: `地址码 ${areaCode} 不属于任何省级行政区 / area code ${areaCode} is in no known province`,
    });
  }
  if (residencePermit) {
    warnings.push({
      code: 'residence-permit',
      message: `地址码 ${areaCode} 表示港澳台居民居住证号码 / area ${areaCode}: a Hong Kong, Macao or Taiwan residence permit number`,
    });
  }

  const y = Number(normalized.slice(6, 10));
  const m = Number(normalized.slice(10, 12));
  const d = Number(normalized.slice(12, 14));
  const date = `${normalized.slice(6, 10)}-${normalized.slice(10, 12)}-${normalized.slice(12, 14)}`;
  let birthDate: string | undefined;
  if (!isCalendarDate(y, m, d)) {
    errors.push({
      code: 'birth-date',
      message: `出生日期 ${date} 不存在 / birth date ${date} does not exist`,
    });
  } else if (date < EARLIEST_BIRTH) {
    errors.push({
      code: 'birth-date',
      message: `出生日期 ${date} 早于1850年 / birth date ${date} is before 1850`,
    });
  } else if (date > chinaDate(options.now ?? new Date())) {
    errors.push({
      code: 'birth-date',
      message: `出生日期 ${date} 在未来 / birth date ${date} is in the future`,
    });
  } else {
    birthDate = date;
  }

  const expected = mod112Check(normalized.slice(0, 17));
  if (normalized[17] !== expected) {
    errors.push({
      code: 'check-digit',
      message: `校验码应为 ${expected} / check character is ${normalized[17]}, MOD 11-2 gives ${expected}`,
    });
  }

  const sex = Number(normalized[16]) % 2 === 1 ? 'male' : 'female';
  const result: CitizenIdValidation = {
    valid: errors.length === 0,
    errors,
    warnings,
    normalized,
    areaCode,
    sex,
  };
  if (birthDate) result.birthDate = birthDate;
  return result;
}

/**
 * For display: first 6 (area) and last 4 visible, e.g. 110105********002X. Shorter or malformed input
 * keeps less (a quarter and a fifth) so that most of it stays hidden; never more than 10 characters show.
 */
export function maskCitizenId(id: string): string {
  const n = id.length;
  const head = n >= 18 ? 6 : Math.floor(n / 4);
  const tail = n >= 18 ? 4 : Math.floor(n / 5);
  return id.slice(0, head) + '*'.repeat(n - head - tail) + id.slice(n - tail);
}
