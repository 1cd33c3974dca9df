import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HOLDER_CODE_TYPES, maskHolderCode, validateHolderCode } from '../../src/licence/holder-code.js';

const codes = (r: { errors: { code: string }[]; warnings: { code: string }[] }) => ({
  errors: r.errors.map((e) => e.code),
  warnings: r.warnings.map((w) => w.code),
});

test('the spec types are known, with their holder kind', () => {
  for (const t of ['001', '099', '111', '516', '999', '113', '335', '414', '511']) {
    assert.ok(Object.hasOwn(HOLDER_CODE_TYPES, t), t);
  }
  assert.equal(HOLDER_CODE_TYPES['001']?.holder, 'entity');
  assert.equal(HOLDER_CODE_TYPES['111']?.holder, 'person');
});

test('001 is checked as a USCC', () => {
  assert.deepEqual(validateHolderCode('91350100M000100Y43', '001'), {
    valid: true,
    errors: [],
    warnings: [],
    normalized: '91350100M000100Y43',
  });
  assert.deepEqual(codes(validateHolderCode('91350100M000100Y44', '001')), {
    errors: ['check-digit'],
    warnings: [],
  });
  assert.deepEqual(codes(validateHolderCode('9135010OM000100Y43', '001')), {
    errors: ['format'],
    warnings: [],
  });
  const pilot = validateHolderCode('91350100M0001TGQXM', '001');
  assert.equal(pilot.valid, true);
  assert.deepEqual(codes(pilot).warnings, ['pilot-code']);
});

test('111 is checked as a GB 11643 citizen ID', () => {
  assert.equal(validateHolderCode('11010519491231002X', '111').valid, true);
  const lower = validateHolderCode('11010519491231002x', '111');
  assert.equal(lower.valid, true);
  assert.equal(lower.normalized, '11010519491231002X');
  assert.deepEqual(codes(lower).warnings, ['lowercase-x']);
  assert.deepEqual(codes(validateHolderCode('110101197608056896', '111')), {
    errors: ['check-digit'],
    warnings: [],
  });
  assert.deepEqual(codes(validateHolderCode('91350100M000100Y43', '111')).errors, ['format']);
});

test('113 and 335 carry an ID number when they can: failures only warn', () => {
  assert.deepEqual(codes(validateHolderCode('11010519491231002X', '335')), { errors: [], warnings: [] });
  const wrong = validateHolderCode('110101197608056896', '335');
  assert.equal(wrong.valid, true);
  assert.deepEqual(codes(wrong).warnings, ['citizen-id-check-digit']);
  // A foreigner's driving licence number is not an ID number.
  assert.deepEqual(codes(validateHolderCode('USA123456789', '335')), { errors: [], warnings: [] });
  assert.equal(validateHolderCode('11010519491231002x', '113').normalized, '11010519491231002X');
});

test('permits: the current card format, otherwise a warning', () => {
  assert.deepEqual(codes(validateHolderCode('H12345678', '516')), { errors: [], warnings: [] });
  assert.deepEqual(codes(validateHolderCode('M1234567801', '516')), { errors: [], warnings: [] });
  assert.deepEqual(codes(validateHolderCode('X12345', '516')), {
    errors: [],
    warnings: ['unrecognised-format'],
  });
  assert.deepEqual(codes(validateHolderCode('12345678', '511')), { errors: [], warnings: [] });
  assert.deepEqual(codes(validateHolderCode('H12345678', '511')), {
    errors: [],
    warnings: ['unrecognised-format'],
  });
});

test('other types: anything printable; empty or control characters are errors', () => {
  assert.deepEqual(codes(validateHolderCode('E12345678', '414')), { errors: [], warnings: [] });
  assert.deepEqual(codes(validateHolderCode('军官证第123号', '999')), { errors: [], warnings: [] });
  assert.deepEqual(codes(validateHolderCode('  ', '999')), { errors: ['missing'], warnings: [] });
  assert.deepEqual(codes(validateHolderCode('', '099')), { errors: ['missing'], warnings: [] });
  assert.deepEqual(codes(validateHolderCode('A\u0000B', '099')), { errors: ['format'], warnings: [] });
  const spaced = validateHolderCode(' ABC123 ', '099');
  assert.equal(spaced.valid, true);
  assert.equal(spaced.normalized, 'ABC123');
  assert.deepEqual(codes(spaced).warnings, ['whitespace']);
});

test('types: unknown 3-digit types warn, anything else is an error', () => {
  assert.deepEqual(codes(validateHolderCode('ABC', '123')), { errors: [], warnings: ['unknown-type'] });
  for (const t of ['', '1', '1111', 'abc', '11 ']) {
    assert.deepEqual(codes(validateHolderCode('ABC', t)), { errors: ['type'], warnings: [] }, t);
  }
});

test('masking: organizations shown, people masked', () => {
  assert.equal(maskHolderCode('91350100M000100Y43', '001'), '91350100M000100Y43');
  assert.equal(maskHolderCode('11010519491231002X', '111'), '110105********002X');
  assert.equal(maskHolderCode('11010519491231002X', '335'), '110105********002X');
  assert.equal(maskHolderCode('H12345678', '516'), 'H1*****78');
  assert.equal(maskHolderCode('E123', '414'), 'E**3');
  assert.equal(maskHolderCode('AB', '999'), '**');
});

test('property: personal codes never show more than 10 characters, nor half of a short one', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: 'binary', maxLength: 60 }).map((s) => s.replaceAll('*', '#')),
      fc.constantFrom('099', '111', '113', '335', '414', '511', '516', '999', '123'),
      (code, type) => {
        const masked = maskHolderCode(code, type);
        assert.equal(masked.length, code.length);
        const shown = [...masked].filter((c) => c !== '*').length;
        assert.ok(shown <= 10);
        if (code.length < 18) assert.ok(shown * 2 <= code.length, `${type} ${masked}`);
      },
    ),
  );
});

test('property: validation never throws and valid results carry a normalized code', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.oneof(fc.constantFrom(...Object.keys(HOLDER_CODE_TYPES)), fc.string({ maxLength: 4 })),
      (code, type) => {
        const r = validateHolderCode(code, type);
        assert.equal(r.valid, r.errors.length === 0);
        if (r.valid) assert.equal(typeof r.normalized, 'string');
      },
    ),
  );
});
