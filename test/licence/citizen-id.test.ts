import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { maskCitizenId, validateCitizenId } from '../../src/licence/citizen-id.js';
import { mod112Check } from '../../src/licence/iso7064.js';
import { PROVINCES } from '../../src/licence/region-code.js';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const byTable = (body: string): string =>
  '10X98765432'[[...body].reduce((sum, d, i) => sum + Number(d) * (WEIGHTS[i] as number), 0) % 11] as string;
const NOW = new Date('2025-06-01T00:00:00Z');

test('the GB 11643 examples are valid; 110101197608056896 should end in 7', () => {
  const a = validateCitizenId('11010519491231002X', { now: NOW });
  assert.deepEqual(a, {
    valid: true,
    errors: [],
    warnings: [],
    normalized: '11010519491231002X',
    areaCode: '110105',
    sex: 'female',
    birthDate: '1949-12-31',
  });
  const b = validateCitizenId('440524188001010014', { now: NOW });
  assert.equal(b.valid, true);
  assert.equal(b.birthDate, '1880-01-01');
  assert.equal(b.sex, 'male');
  assert.equal(validateCitizenId('110105195001010039', { now: NOW }).valid, true);

  const bad = validateCitizenId('110101197608056896', { now: NOW });
  assert.equal(bad.valid, false);
  assert.deepEqual(
    bad.errors.map((e) => e.code),
    ['check-digit'],
  );
  assert.match(bad.errors[0]?.message ?? '', /7/);
  assert.equal(validateCitizenId('110101197608056897', { now: NOW }).valid, true);
});

test('MOD 11-2 in Horner form equals the weight table', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[0-9]{17}$/), (body) => {
      assert.equal(mod112Check(body), byTable(body));
    }),
  );
});

test('a lowercase x is accepted with a warning and normalised', () => {
  const r = validateCitizenId('11010519491231002x', { now: NOW });
  assert.equal(r.valid, true);
  assert.equal(r.normalized, '11010519491231002X');
  assert.deepEqual(
    r.warnings.map((w) => w.code),
    ['lowercase-x'],
  );
});

test('format errors', () => {
  for (const id of [
    '',
    '11010519491231002',
    '11010519491231002XX',
    '1101051949123100X2',
    ' 11010519491231002X',
  ]) {
    const r = validateCitizenId(id, { now: NOW });
    assert.equal(r.valid, false, id);
    assert.deepEqual(
      r.errors.map((e) => e.code),
      ['format'],
    );
  }
});

/** A citizen ID with a correct check character. */
function withCheck(body17: string): string {
  return body17 + mod112Check(body17);
}

test('birth date: a real calendar date, from 1850, not after today in China', () => {
  const code = (id: string, now = NOW) => validateCitizenId(id, { now }).errors.map((e) => e.code);
  assert.deepEqual(code(withCheck('11010520000229001')), []);
  assert.deepEqual(code(withCheck('11010519000229001')), ['birth-date']); // 1900 was not a leap year
  assert.deepEqual(code(withCheck('11010519990431001')), ['birth-date']);
  assert.deepEqual(code(withCheck('11010519991301001')), ['birth-date']);
  assert.deepEqual(code(withCheck('11010519990100001')), ['birth-date']);
  assert.deepEqual(code(withCheck('11010518500101001')), []);
  assert.deepEqual(code(withCheck('11010518491231001')), ['birth-date']);
  assert.deepEqual(code(withCheck('11010520250602001')), ['birth-date']);
  // 2025-06-01T17:00Z is already 2 June in Beijing: a baby born that morning is valid.
  assert.deepEqual(code(withCheck('11010520250602001'), new Date('2025-06-01T17:00:00Z')), []);
  assert.deepEqual(code(withCheck('11010520250602001'), new Date('2025-06-01T15:00:00Z')), ['birth-date']);
  const r = validateCitizenId(withCheck('11010519991301001'), { now: NOW });
  assert.equal(r.birthDate, undefined);
});

test('area: the province must be known, retired county codes are fine', () => {
  // 110103 (崇文区) was merged into 东城区 in 2010 but numbers issued there remain valid.
  assert.equal(validateCitizenId(withCheck('11010319800101001'), { now: NOW }).valid, true);
  for (const body of ['99010119800101001', '10000019800101001', '00000019800101001', '20010119800101001']) {
    const r = validateCitizenId(withCheck(body), { now: NOW });
    assert.deepEqual(
      r.errors.map((e) => e.code),
      ['area'],
      body,
    );
  }
});

test('Hong Kong, Macao and Taiwan residence permit numbers are recognised with a warning', () => {
  for (const area of ['810000', '820000', '830000']) {
    const r = validateCitizenId(withCheck(area + '19800101001'), { now: NOW });
    assert.equal(r.valid, true, area);
    assert.deepEqual(
      r.warnings.map((w) => w.code),
      ['residence-permit'],
    );
  }
  assert.equal(validateCitizenId(withCheck('83010019800101001'), { now: NOW }).valid, false);
});

const provinces = Object.keys(PROVINCES).filter((p) => p !== '10');
const validId = fc
  .record({
    province: fc.constantFrom(...provinces),
    rest: fc.stringMatching(/^[0-9]{4}$/),
    date: fc.date({
      min: new Date('1850-01-01T00:00:00Z'),
      max: new Date('2025-05-31T00:00:00Z'),
      noInvalidDate: true,
    }),
    seq: fc.integer({ min: 0, max: 999 }),
  })
  .map(({ province, rest, date, seq }) => {
    const ymd = date.toISOString().slice(0, 10);
    const id = withCheck(province + rest + ymd.replaceAll('-', '') + String(seq).padStart(3, '0'));
    return { id, ymd, seq, area: province + rest };
  });

test('property: generated IDs validate with their date, sex and area', () => {
  fc.assert(
    fc.property(validId, ({ id, ymd, seq, area }) => {
      const r = validateCitizenId(id, { now: NOW });
      assert.equal(r.valid, true, `${id}: ${JSON.stringify(r.errors)}`);
      assert.equal(r.birthDate, ymd);
      assert.equal(r.areaCode, area);
      assert.equal(r.sex, seq % 2 === 1 ? 'male' : 'female');
    }),
    { numRuns: 500 },
  );
});

test('property: every single-character substitution is rejected', () => {
  fc.assert(
    fc.property(validId, ({ id }) => {
      for (let i = 0; i < 18; i++) {
        for (const x of i === 17 ? '0123456789X' : '0123456789') {
          if (x === id[i]) continue;
          const changed = id.slice(0, i) + x + id.slice(i + 1);
          assert.equal(validateCitizenId(changed, { now: NOW }).valid, false, changed);
        }
      }
    }),
    { numRuns: 200 },
  );
});

test('masking shows the area and the last four only', () => {
  assert.equal(maskCitizenId('11010519491231002X'), '110105********002X');
  assert.equal(maskCitizenId(''), '');
  assert.equal(maskCitizenId('123'), '***');
});

test('property: masking never reveals more than 10 characters, nor most of a short value', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        validId.map((v) => v.id),
        fc.string({ unit: 'binary', maxLength: 60 }),
      ),
      (raw) => {
        const id = raw.replaceAll('*', '#');
        const masked = maskCitizenId(id);
        assert.equal(masked.length, id.length);
        const shown = [...masked].filter((c) => c !== '*').length;
        assert.ok(shown <= 10, `${masked} shows ${shown}`);
        assert.ok(shown * 2 <= id.length + 2, `${masked} shows most of a short value`);
        for (let i = 0; i < id.length; i++) {
          if (masked[i] !== '*') assert.equal(masked[i], id[i]);
        }
      },
    ),
  );
});
