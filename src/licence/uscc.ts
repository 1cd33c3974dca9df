// Unified Social Credit Code (统一社会信用代码), GB 32100-2015, with the organization code check of GB 11714.

const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'; // no I, O, S, V, Z
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];
const ORG_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Early pilot codes that fail the check yet were lawfully issued and are still in use.
 * They are accepted with a warning rather than rejected.
 */
export const KNOWN_PILOT_USCCS: ReadonlySet<string> = new Set(['91350100M0001TGQXM']);

export type UsccResult =
  | { valid: true; warning?: undefined }
  | { valid: true; warning: 'pilot-code' | 'organization-code-check'; message: string }
  | { valid: false; reason: 'format' | 'check-digit'; message: string };

/** The check character GB 32100 assigns to the first 17 characters (31 maps to '0'). */
export function usccCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = USCC_ALPHABET.indexOf(first17[i] ?? '');
    if (v < 0) throw new RangeError(`invalid USCC character at position ${i + 1}`);
    sum += v * (USCC_WEIGHTS[i] as number);
  }
  const c = 31 - (sum % 31);
  return USCC_ALPHABET[c === 31 ? 0 : c] as string;
}

/** GB 11714 organization code check character for the 8-character body (10 → X, 11 → 0). */
export function organizationCodeCheckCharacter(body8: string): string {
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const v = ORG_ALPHABET.indexOf(body8[i] ?? '');
    if (v < 0) throw new RangeError(`invalid organization code character at position ${i + 1}`);
    sum += v * (ORG_WEIGHTS[i] as number);
  }
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

const USCC_SHAPE = new RegExp(`^[${USCC_ALPHABET}]{18}$`);

export function validateUscc(code: string): UsccResult {
  if (!USCC_SHAPE.test(code)) {
    return {
      valid: false,
      reason: 'format',
      message:
        '统一社会信用代码应为18位，仅含数字和大写字母（不含 I、O、S、V、Z） / USCC must be 18 characters of 0-9 and A-Z without I, O, S, V, Z',
    };
  }
  if (usccCheckCharacter(code.slice(0, 17)) === code[17]) {
    // Positions 9–17 embed a GB 11714 organization code; a bad inner check is suspicious but not fatal.
    if (organizationCodeCheckCharacter(code.slice(8, 16)) !== code[16]) {
      return {
        valid: true,
        warning: 'organization-code-check',
        message:
          '第9–17位组织机构代码的校验位不符合 GB 11714 / the embedded organization code fails its GB 11714 check',
      };
    }
    return { valid: true };
  }
  if (KNOWN_PILOT_USCCS.has(code)) {
    return {
      valid: true,
      warning: 'pilot-code',
      message:
        '该代码为早期试点代码，校验位不符合 GB 32100 但合法有效 / early pilot code: fails the GB 32100 check but is lawfully issued',
    };
  }
  return {
    valid: false,
    reason: 'check-digit',
    message: '统一社会信用代码校验位错误 / USCC check character is wrong',
  };
}
