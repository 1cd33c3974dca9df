// Licence identifier (证照标识), GB/T 36904: root . type . issuer . serial . version . check.
// The part after the root is not an OID (letters occur), so it is handled as a string with a fixed grammar.

import { MOD3736_ALPHABET, mod3736Check } from './iso7064.js';
import { isRegionCode } from './region-code.js';
import { validateUscc } from './uscc.js';

export { mod3736Check } from './iso7064.js';

/** 电子证照根代码 */
export const LICENCE_ID_ROOT = '1.2.156.3005.2';
/** Identifiers are stored in columns of 128 characters. */
export const LICENCE_ID_MAX_LENGTH = 128;

export interface LicenceIdentifier {
  /** 证照类型代码: the defining authority's USCC (18) + a 3-digit sequence it assigns. */
  typeCode: string;
  /** 证照颁发机构代码: the issuer's USCC (18), or a 6-digit area code (accepted with a warning). */
  issuerCode: string;
  /** 流水号: [0-9A-Z]+ chosen by the issuer. */
  serial: string;
  /** 版本号: 1..999, written as 3 digits. */
  version: number;
  /** 校验位: one character of 0-9A-Z. */
  check: string;
}

export type LicenceIdentifierPart =
  'root' | 'typeCode' | 'issuerCode' | 'serial' | 'version' | 'check' | 'length';

export interface LicenceIdentifierIssue {
  part: LicenceIdentifierPart;
  code: string;
  message: string;
}

export class LicenceIdentifierError extends Error {
  override readonly name = 'LicenceIdentifierError';
  readonly part: LicenceIdentifierPart;
  readonly code: string;

  constructor(issue: LicenceIdentifierIssue) {
    super(issue.message);
    this.part = issue.part;
    this.code = issue.code;
  }
}

/** Licence types whose codes are published (业务主管部门 USCC + sequence). */
export const KNOWN_LICENCE_TYPES: Readonly<Record<string, string>> = {
  '11100000000013127D001': '居民身份证',
  '11100000MB03271699001': '不动产权证书',
  '11100000MB03271699022': '不动产登记证明',
  '11100000000013338W001': '二级建造师注册证书',
  '11100000000013338W011': '建筑施工企业安全生产管理人员考核合格证书',
  '11100000000013338W032': '建筑施工特种作业人员操作资格证书',
};

export function licenceTypeName(typeCode: string): string | undefined {
  return Object.hasOwn(KNOWN_LICENCE_TYPES, typeCode) ? KNOWN_LICENCE_TYPES[typeCode] : undefined;
}

const TYPE_CODE = /^[0-9A-Z]{18}[0-9]{3}$/;
// The issuer field is a USCC, whose alphabet has no I, O, S, V, Z; one city uses a 6-digit area code instead.
const ISSUER_USCC = /^[0-9A-HJ-NP-RTUW-Y]{18}$/;
const ISSUER_AREA = /^[0-9]{6}$/;
const SERIAL = /^[0-9A-Z]+$/;
const VERSION = /^[0-9]{3}$/;
const CHECK = /^[0-9A-Z]$/;

const ROOT_PREFIX = `${LICENCE_ID_ROOT}.`;
// "root." "type." "issuer." "." (after the serial) "version." "check": everything but the serial.
const FIXED_LENGTH_USCC = ROOT_PREFIX.length + 22 + 19 + 1 + 4 + 1;

/** Input echoed in messages, quoted and cut short: it may be long or hostile. */
function shown(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

function issue(part: LicenceIdentifierPart, code: string, message: string): LicenceIdentifierIssue {
  return { part, code, message };
}

function typeCodeIssue(value: string): LicenceIdentifierIssue | undefined {
  if (TYPE_CODE.test(value)) return undefined;
  return issue(
    'typeCode',
    'format',
    `证照类型代码应为21位：18位机构代码加3位数字 / type code must be 18 characters of 0-9A-Z and 3 digits, got ${shown(value)}`,
  );
}

function issuerCodeIssue(value: string): LicenceIdentifierIssue | undefined {
  if (ISSUER_USCC.test(value) || ISSUER_AREA.test(value)) return undefined;
  return issue(
    'issuerCode',
    'format',
    `证照颁发机构代码应为18位统一社会信用代码 / issuer code must be an 18-character USCC (or a 6-digit area code), got ${shown(value)}`,
  );
}

function serialIssue(value: string): LicenceIdentifierIssue | undefined {
  if (SERIAL.test(value)) return undefined;
  return issue(
    'serial',
    value.length === 0 ? 'missing' : 'format',
    `流水号只能包含数字和大写字母 / serial must be one or more of 0-9 and A-Z, got ${shown(value)}`,
  );
}

function versionTextIssue(value: string): LicenceIdentifierIssue | undefined {
  if (!VERSION.test(value)) {
    return issue('version', 'format', `版本号应为3位数字 / version must be 3 digits, got ${shown(value)}`);
  }
  if (value === '000') return issue('version', 'range', '版本号从001开始 / version starts at 001');
  return undefined;
}

function checkTextIssue(value: string): LicenceIdentifierIssue | undefined {
  if (CHECK.test(value)) return undefined;
  return issue(
    'check',
    value.length === 0 ? 'missing' : 'format',
    `校验位应为1位数字或大写字母 / check must be one character of 0-9A-Z, got ${shown(value)}`,
  );
}

interface Scan {
  fields?: { typeCode: string; issuerCode: string; serial: string; version: string; check: string };
  errors: LicenceIdentifierIssue[];
}

/** Grammar check collecting every problem (parse reports the first, validate all of them). */
function scan(text: string): Scan {
  if (typeof text !== 'string') {
    return { errors: [issue('root', 'format', '证照标识必须是字符串 / identifier must be a string')] };
  }
  const errors: LicenceIdentifierIssue[] = [];
  if (text.length > LICENCE_ID_MAX_LENGTH) {
    errors.push(
      issue(
        'length',
        'too-long',
        `证照标识不超过${LICENCE_ID_MAX_LENGTH}个字符 / identifier is ${text.length} characters, at most ${LICENCE_ID_MAX_LENGTH} allowed`,
      ),
    );
  }
  if (!text.startsWith(ROOT_PREFIX)) {
    errors.push(
      issue(
        'root',
        'format',
        `证照标识应以 ${ROOT_PREFIX} 开头 / identifier must start with "${ROOT_PREFIX}"`,
      ),
    );
    return { errors };
  }
  const f = text.slice(ROOT_PREFIX.length).split('.');
  const missing = (part: LicenceIdentifierPart, name: string): LicenceIdentifierIssue =>
    issue(part, 'missing', `缺少${name} / the ${part} part is missing`);
  if (f.length < 5) {
    // Assign fields left to right so the first one that is present but wrong is named, else the first absent one.
    const checks: [LicenceIdentifierPart, string, (v: string) => LicenceIdentifierIssue | undefined][] = [
      ['typeCode', '证照类型代码', typeCodeIssue],
      ['issuerCode', '证照颁发机构代码', issuerCodeIssue],
      ['serial', '流水号', serialIssue],
      ['version', '版本号', versionTextIssue],
      ['check', '校验位', checkTextIssue],
    ];
    checks.forEach(([part, name, check], i) => {
      const v = f[i];
      const found = v === undefined ? missing(part, name) : check(v);
      if (found) errors.push(found);
    });
    return { errors };
  }
  // The serial is the only free-form part, so extra dots are attributed to it.
  const fields = {
    typeCode: f[0] as string,
    issuerCode: f[1] as string,
    serial: f.slice(2, -2).join('.'),
    version: f[f.length - 2] as string,
    check: f[f.length - 1] as string,
  };
  for (const found of [
    typeCodeIssue(fields.typeCode),
    issuerCodeIssue(fields.issuerCode),
    serialIssue(fields.serial),
    versionTextIssue(fields.version),
    checkTextIssue(fields.check),
  ]) {
    if (found) errors.push(found);
  }
  return errors.length === 0 ? { fields, errors } : { errors };
}

function formatVersion(version: number): string {
  return String(version).padStart(3, '0');
}

function body(id: Omit<LicenceIdentifier, 'check'>): string {
  return id.typeCode + id.issuerCode + id.serial + formatVersion(id.version);
}

/**
 * Parses the grammar only: the check character, the USCCs inside and the type are not verified
 * (see validateLicenceIdentifier). Throws LicenceIdentifierError naming the first part at fault.
 */
export function parseLicenceIdentifier(text: string): LicenceIdentifier {
  const { fields, errors } = scan(text);
  if (!fields) throw new LicenceIdentifierError(errors[0] as LicenceIdentifierIssue);
  return { ...fields, version: Number(fields.version) };
}

export interface BuildLicenceIdentifierInput {
  typeCode: string;
  issuerCode: string;
  serial: string;
  version: number;
}

/** Builds an identifier with the standard MOD 37,36 check character. */
export function buildLicenceIdentifier(input: BuildLicenceIdentifierInput): string {
  const { typeCode, issuerCode, serial, version } = input;
  const found =
    typeCodeIssue(String(typeCode)) ??
    issuerCodeIssue(String(issuerCode)) ??
    serialIssue(String(serial)) ??
    (Number.isInteger(version) && version >= 1 && version <= 999
      ? undefined
      : issue(
          'version',
          'range',
          `版本号应为1–999的整数 / version must be an integer 1..999, got ${version}`,
        ));
  if (found) throw new LicenceIdentifierError(found);
  const maxSerial = LICENCE_ID_MAX_LENGTH - FIXED_LENGTH_USCC + (18 - issuerCode.length);
  if (serial.length > maxSerial) {
    // The serial is the only part whose length the issuer chooses, so it is the one at fault.
    throw new LicenceIdentifierError(
      issue(
        'serial',
        'too-long',
        `流水号过长，证照标识不能超过${LICENCE_ID_MAX_LENGTH}个字符 / serial is ${serial.length} characters; at most ${maxSerial} fit in ${LICENCE_ID_MAX_LENGTH}`,
      ),
    );
  }
  const id = { typeCode, issuerCode, serial, version };
  return formatLicenceIdentifier({ ...id, check: mod3736Check(body(id)) });
}

/** Writes the parts back as text, check character as given. */
export function formatLicenceIdentifier(id: LicenceIdentifier): string {
  return [LICENCE_ID_ROOT, id.typeCode, id.issuerCode, id.serial, formatVersion(id.version), id.check].join(
    '.',
  );
}

/**
 * The check character of the faulty vendor variant found in production identifiers.
 *
 * licence.md's summary ("letters valued one higher, off-by-one final step") alone gives `Q`, not `M`, for
 * the production example. The code that reproduces `M` (public Java, com.epoint.cert.util.CertCheckUtil)
 * also reduces a running sum that includes a letter modulo 37 instead of 36 when it exceeds 37. Since
 * (p + v + 1) − 37 ≡ p + v (mod 36), a letter counts as v + 1 only while p + v + 1 ≤ 37 and as its true
 * value otherwise. The final step solves (p + x − 1) mod 36 = 0 for a 1-based x and then takes
 * alphabet[x − 1], i.e. one character before the standard check.
 */
export function faultyVendorCheck(bodyText: string): string {
  let p = 36;
  for (let i = 0; i < bodyText.length; i++) {
    const v = MOD3736_ALPHABET.indexOf(bodyText[i] as string);
    if (v < 0) throw new RangeError(`invalid character at position ${i + 1}: only 0-9 and A-Z`);
    let r = v >= 10 ? p + v + 1 : p + v;
    if (v >= 10 && r > 37) r %= 37;
    const s = r % 36 || 36;
    p = (2 * s) % 37;
  }
  // p is never 0 (2s mod 37 with 1 ≤ s ≤ 36), so the index 36 − p lies in 0..35.
  return MOD3736_ALPHABET[36 - p] as string;
}

export interface LicenceIdentifierValidation {
  valid: boolean;
  identifier?: LicenceIdentifier;
  /** The check character the standard algorithm gives, when the grammar holds. */
  expectedCheck?: string;
  errors: LicenceIdentifierIssue[];
  warnings: LicenceIdentifierIssue[];
}

/**
 * Grammar errors reject; problems found in identifiers other systems already issued only warn:
 * a wrong check character (production identifiers made with a faulty algorithm exist), a type code
 * whose authority USCC fails its check, an issuer given as an area code or failing its USCC check.
 */
export function validateLicenceIdentifier(text: string): LicenceIdentifierValidation {
  const { fields, errors } = scan(text);
  if (!fields) return { valid: false, errors, warnings: [] };
  const identifier: LicenceIdentifier = { ...fields, version: Number(fields.version) };
  const warnings: LicenceIdentifierIssue[] = [];

  const authority = validateUscc(identifier.typeCode.slice(0, 18));
  if (!authority.valid || authority.warning) {
    warnings.push(
      issue(
        'typeCode',
        'type-authority-uscc',
        `证照类型代码前18位不是有效的统一社会信用代码 / the type code's defining authority code ${identifier.typeCode.slice(0, 18)} fails the USCC check: ${authority.message}`,
      ),
    );
  }

  if (ISSUER_AREA.test(identifier.issuerCode)) {
    warnings.push(
      issue(
        'issuerCode',
        'area-code-issuer',
        isRegionCode(identifier.issuerCode)
          ? `颁发机构代码为行政区划代码而非统一社会信用代码 / issuer code ${identifier.issuerCode} is an area code, not a USCC`
          : `颁发机构代码为6位数字且不是已知行政区划 / issuer code ${identifier.issuerCode} is 6 digits but not a known area code`,
      ),
    );
  } else {
    const issuer = validateUscc(identifier.issuerCode);
    if (!issuer.valid || issuer.warning) {
      warnings.push(
        issue(
          'issuerCode',
          issuer.valid ? `issuer-${issuer.warning}` : 'issuer-uscc-check',
          `颁发机构代码 ${identifier.issuerCode}: ${issuer.message}`,
        ),
      );
    }
  }

  const b = body(identifier);
  const expectedCheck = mod3736Check(b);
  if (identifier.check !== expectedCheck) {
    const vendor = faultyVendorCheck(b) === identifier.check;
    warnings.push(
      vendor
        ? issue(
            'check',
            'faulty-vendor-check',
            `校验位 ${identifier.check} 由某厂商有缺陷的算法生成，标准 MOD 37,36 应为 ${expectedCheck} / check ${identifier.check} was made by the known faulty vendor variant of MOD 37,36; the standard check is ${expectedCheck}`,
          )
        : issue(
            'check',
            'check-mismatch',
            `校验位应为 ${expectedCheck} / check character is ${identifier.check}, MOD 37,36 gives ${expectedCheck}`,
          ),
    );
  }
  return { valid: true, identifier, expectedCheck, errors: [], warnings };
}

/**
 * Same licence, new file (annual check, renewal keeping the number): version + 1, check recomputed with
 * the standard algorithm, even when the predecessor carried a faulty vendor check.
 */
export function nextVersion(identifier: string | LicenceIdentifier): string {
  const id = typeof identifier === 'string' ? parseLicenceIdentifier(identifier) : identifier;
  if (id.version >= 999) {
    throw new LicenceIdentifierError(
      issue(
        'version',
        'overflow',
        '版本号已达999，无法再递增 / version 999 is the last one; issue a new licence',
      ),
    );
  }
  return buildLicenceIdentifier({
    typeCode: id.typeCode,
    issuerCode: id.issuerCode,
    serial: id.serial,
    version: id.version + 1,
  });
}
