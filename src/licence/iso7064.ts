// ISO/IEC 7064 (GB/T 17710) check character systems used by the licence standards.

/** Character set of MOD 37,36: 0–9 are worth 0–9, A–Z are worth 10–35. */
export const MOD3736_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function mod3736Product(body: string): number {
  let p = 36;
  for (let i = 0; i < body.length; i++) {
    const v = MOD3736_ALPHABET.indexOf(body[i] as string);
    if (v < 0) throw new RangeError(`invalid MOD 37,36 character at position ${i + 1}: only 0-9 and A-Z`);
    const s = (p + v) % 36 || 36;
    p = (2 * s) % 37;
  }
  return p;
}

/**
 * MOD 37,36 (hybrid system) check character for `body` (uppercase 0-9A-Z).
 * It catches every single substitution, but not quite every adjacent transposition: when the running
 * S for the first character is 18 and the second character's value is one higher (mod 36), both orders
 * reach the same state (2·18 mod 37 = 36 ≡ 0 and 2·19 mod 37 = 1), e.g. JI00 and IJ00 both give X.
 * That is one pair in 36·35 per state, about 0.16 % of transpositions.
 */
export function mod3736Check(body: string): string {
  return MOD3736_ALPHABET[(37 - mod3736Product(body)) % 36] as string;
}

/** True when the last character of `text` is the MOD 37,36 check character of the rest. */
export function mod3736Verify(text: string): boolean {
  if (text.length < 1) return false;
  try {
    return mod3736Check(text.slice(0, -1)) === text.slice(-1);
  } catch {
    return false;
  }
}

/**
 * MOD 11-2 (pure system) check character over decimal digits; 10 is written `X`.
 * Horner form of Σ vᵢ·2^(n+1−i) mod 11: for 17 digits this is exactly the GB 11643 weight table
 * 7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2 with remainders mapped to 1 0 X 9 8 7 6 5 4 3 2.
 */
export function mod112Check(digits: string): string {
  let p = 0;
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i) - 48;
    if (c < 0 || c > 9) throw new RangeError(`invalid MOD 11-2 character at position ${i + 1}: only 0-9`);
    p = ((p + c) * 2) % 11;
  }
  const check = (12 - p) % 11;
  return check === 10 ? 'X' : String(check);
}
