import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { organizationCodeCheckCharacter, usccCheckCharacter, validateUscc } from '../../src/licence/uscc.js';

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

test('the standard examples are valid', () => {
  for (const c of [
    '91350100M000100Y43',
    '91310230MA1K314J7C',
    '11100000000013338W',
    '12110000400777687U',
    '111000000000131433',
  ]) {
    assert.deepEqual(validateUscc(c), { valid: true }, c);
  }
});

test('a check value of 31 maps to 0', () => {
  // 31 − (Σ mod 31) lies in 1..31, so a check of '0' can only come from the 31 → 0 rule.
  const arb = fc.array(fc.constantFrom(...ALPHABET), { minLength: 17, maxLength: 17 }).map((a) => a.join(''));
  const hit = fc.sample(arb, 5000).find((b) => usccCheckCharacter(b) === '0');
  assert.ok(hit, 'some body has check 0');
  assert.equal(validateUscc(hit + '0').valid, true);
});

test('the known pilot code is accepted with a warning; other check failures are rejected', () => {
  const pilot = validateUscc('91350100M0001TGQXM');
  assert.equal(pilot.valid, true);
  assert.equal(pilot.warning, 'pilot-code');
  const wrong = validateUscc('91350100M000100Y44');
  assert.equal(wrong.valid, false);
  assert.equal(!wrong.valid && wrong.reason, 'check-digit');
});

test('format errors: length, lowercase, forbidden letters I O S V Z', () => {
  for (const c of [
    '',
    '91350100M000100Y4',
    '91350100m000100Y43',
    '91350100M000100I43',
    '91350100M000100Y43X',
    '9135010OM000100Y43',
  ]) {
    const r = validateUscc(c);
    assert.equal(r.valid, false, c);
    assert.equal(!r.valid && r.reason, 'format', c);
  }
});

test('an embedded organization code with a bad check is a warning', () => {
  const body = '91330100' + '12345678' + '0'; // inner check of 12345678 is not 0
  assert.notEqual(organizationCodeCheckCharacter('12345678'), '0');
  const r = validateUscc(body + usccCheckCharacter(body));
  assert.equal(r.valid, true);
  assert.equal(r.warning, 'organization-code-check');
});

test('property: every single-character substitution is detected', () => {
  const body = fc
    .array(fc.constantFrom(...ALPHABET), { minLength: 17, maxLength: 17 })
    .map((a) => a.join(''));
  fc.assert(
    fc.property(body, fc.nat(17), fc.constantFrom(...ALPHABET), (b, pos, ch) => {
      const code = b + usccCheckCharacter(b);
      fc.pre(code[pos] !== ch);
      const mutated = code.slice(0, pos) + ch + code.slice(pos + 1);
      return validateUscc(mutated).valid === false;
    }),
  );
});
