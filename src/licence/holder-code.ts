// Holder code (持证主体代码) and its type (持证主体代码类型代码, GA/T 2000.156 document types).

import { maskCitizenId, validateCitizenId } from './citizen-id.js';
import { validateUscc } from './uscc.js';

export type HolderKind = 'entity' | 'person';

export interface HolderCodeType {
  name: string;
  holder: HolderKind;
}

export const HOLDER_CODE_TYPES: Readonly<Record<string, HolderCodeType>> = {
  '001': { name: '统一社会信用代码', holder: 'entity' },
  '099': { name: '其他法人或其他组织证件', holder: 'entity' },
  '111': { name: '居民身份证', holder: 'person' },
  '113': { name: '户口簿', holder: 'person' },
  '335': { name: '机动车驾驶证', holder: 'person' },
  '414': { name: '普通护照', holder: 'person' },
  '511': { name: '台湾居民来往大陆通行证', holder: 'person' },
  '516': { name: '港澳居民来往内地通行证', holder: 'person' },
  '999': { name: '其他个人证件', holder: 'person' },
};

export interface HolderCodeIssue {
  code: string;
  message: string;
}

export interface HolderCodeValidation {
  valid: boolean;
  errors: HolderCodeIssue[];
  warnings: HolderCodeIssue[];
  /** The code as it should be stored (uppercase X in an ID number, surrounding spaces removed). */
  normalized?: string;
}

// Current card formats; older cards differ, so a mismatch only warns.
const HK_MACAO_PERMIT = /^[HM][0-9]{8}([0-9]{2})?$/; // 回乡证: H/M + 8 digits (+ 2-digit issue count on old cards)
const TAIWAN_PERMIT = /^[0-9]{8}([0-9A-Z]{2})?$/; // 台胞证: 8 digits since 2015, older cards 10 characters
const CITIZEN_ID_SHAPE = /^[0-9]{17}[0-9Xx]$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function result(
  errors: HolderCodeIssue[],
  warnings: HolderCodeIssue[],
  normalized?: string,
): HolderCodeValidation {
  return errors.length === 0
    ? { valid: true, errors, warnings, ...(normalized === undefined ? {} : { normalized }) }
    : { valid: false, errors, warnings };
}

/** Checks every type shares: something printable, spaces around it tolerated but reported. */
function generic(code: string, errors: HolderCodeIssue[], warnings: HolderCodeIssue[]): string {
  const trimmed = code.trim();
  if (trimmed.length === 0) {
    errors.push({ code: 'missing', message: '持证主体代码为空 / holder code is empty' });
  } else if (CONTROL.test(trimmed)) {
    errors.push({
      code: 'format',
      message: '持证主体代码含控制字符 / holder code contains control characters',
    });
  } else if (trimmed !== code) {
    warnings.push({
      code: 'whitespace',
      message: '持证主体代码前后有空格 / holder code has surrounding spaces',
    });
  }
  return trimmed;
}

/**
 * Validates a holder code against its type: USCC for 001, GB 11643 for 111, the card format (warning only)
 * for the permits, a non-empty printable value for the rest. Unknown 3-digit types are accepted with a
 * warning since GA/T 2000.156 lists many more than the ones named here.
 */
export function validateHolderCode(code: string, type: string): HolderCodeValidation {
  const errors: HolderCodeIssue[] = [];
  const warnings: HolderCodeIssue[] = [];
  if (typeof type !== 'string' || !/^[0-9]{3}$/.test(type)) {
    errors.push({
      code: 'type',
      message: `持证主体代码类型应为3位数字 / holder code type must be 3 digits, got "${String(type)}"`,
    });
    return result(errors, warnings);
  }
  if (typeof code !== 'string') {
    errors.push({ code: 'missing', message: '持证主体代码为空 / holder code is empty' });
    return result(errors, warnings);
  }
  if (!Object.hasOwn(HOLDER_CODE_TYPES, type)) {
    warnings.push({
      code: 'unknown-type',
      message: `未知的持证主体代码类型 ${type} / holder code type ${type} is not one this service knows`,
    });
  }

  switch (type) {
    case '001': {
      const r = validateUscc(code);
      if (!r.valid)
        errors.push({ code: r.reason === 'format' ? 'format' : 'check-digit', message: r.message });
      else if (r.warning) warnings.push({ code: r.warning, message: r.message });
      return result(errors, warnings, code);
    }
    case '111': {
      const r = validateCitizenId(code);
      return result(r.errors, r.warnings, r.normalized);
    }
    case '113':
    case '335': {
      // The household register and the driving licence carry the holder's ID number, but foreigners' driving
      // licences and old 15-digit records do not, so a failed ID check only warns.
      const trimmed = generic(code, errors, warnings);
      if (errors.length > 0 || !CITIZEN_ID_SHAPE.test(trimmed)) return result(errors, warnings, trimmed);
      const r = validateCitizenId(trimmed);
      for (const e of r.errors) warnings.push({ code: `citizen-id-${e.code}`, message: e.message });
      warnings.push(...r.warnings);
      return result(errors, warnings, r.normalized ?? trimmed);
    }
    case '516':
    case '511': {
      const trimmed = generic(code, errors, warnings);
      const shape = type === '516' ? HK_MACAO_PERMIT : TAIWAN_PERMIT;
      if (errors.length === 0 && !shape.test(trimmed)) {
        warnings.push({
          code: 'unrecognised-format',
          message: `${HOLDER_CODE_TYPES[type]?.name}号码格式与现行证件不符 / not the format of a current ${type === '516' ? 'Home Return Permit' : 'Taiwan compatriot permit'}`,
        });
      }
      return result(errors, warnings, trimmed);
    }
    default:
      return result(errors, warnings, generic(code, errors, warnings));
  }
}

/** Keeps at most 2 characters at each end, and at most a quarter of the code at each end. */
export function maskMiddle(value: string): string {
  const n = value.length;
  const keep = Math.min(2, Math.floor(n / 4));
  return value.slice(0, keep) + '*'.repeat(n - 2 * keep) + value.slice(n - keep);
}

/**
 * For display. A USCC (001) identifies an organization, is printed on its business licence and published in
 * the enterprise credit register, so it is shown as is; personal document numbers are masked.
 */
export function maskHolderCode(code: string, type: string): string {
  switch (type) {
    case '001':
      return code;
    case '111':
    case '113':
    case '335':
      return maskCitizenId(code);
    default:
      return maskMiddle(code);
  }
}
