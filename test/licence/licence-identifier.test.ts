import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mod3736Verify } from '../../src/licence/iso7064.js';
import {
  KNOWN_LICENCE_TYPES,
  LICENCE_ID_MAX_LENGTH,
  LICENCE_ID_ROOT,
  LicenceIdentifierError,
  buildLicenceIdentifier,
  faultyVendorCheck,
  licenceTypeName,
  mod3736Check,
  nextVersion,
  parseLicenceIdentifier,
  validateLicenceIdentifier,
  type LicenceIdentifierPart,
} from '../../src/licence/licence-identifier.js';
import { usccCheckCharacter } from '../../src/licence/uscc.js';

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

const OFFICIAL = [
  '1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U',
  '1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.002.S',
  '1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F',
  '1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0',
];
const VENDOR =
  '1.2.156.3005.2.11100000000013661B006.113700000045046442.209FA4E88F9E4C878F3E9BED2CE7EA49.001.M';

function expectError(fn: () => unknown, part: LicenceIdentifierPart, code?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof LicenceIdentifierError, `expected LicenceIdentifierError, got ${String(e)}`);
    assert.equal(e.part, part);
    if (code) assert.equal(e.code, code);
    return true;
  });
}

const chars = (alphabet: string, min: number, max: number) =>
  fc.array(fc.constantFrom(...alphabet), { minLength: min, maxLength: max }).map((a) => a.join(''));
const validUscc = chars(USCC_ALPHABET, 17, 17).map((b) => b + usccCheckCharacter(b));
const parts = fc.record({
  typeCode: fc.tuple(validUscc, chars('0123456789', 3, 3)).map(([a, b]) => a + b),
  issuerCode: fc.oneof(validUscc, chars('0123456789', 6, 6)),
  serial: chars(ALNUM, 1, 40),
  version: fc.integer({ min: 1, max: 999 }),
});

test('ISO/IEC 7064 example: A12425GABC1234002 → M', () => {
  assert.equal(mod3736Check('A12425GABC1234002'), 'M');
  assert.ok(mod3736Verify('A12425GABC1234002M'));
  assert.ok(!mod3736Verify('A12425GABC1234002N'));
  assert.throws(() => mod3736Check('a1'), RangeError);
});

test('the official examples are valid without warnings and parse into their parts', () => {
  for (const id of OFFICIAL) {
    const r = validateLicenceIdentifier(id);
    assert.equal(r.valid, true, id);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.warnings, [], id);
  }
  assert.deepEqual(parseLicenceIdentifier(OFFICIAL[0] as string), {
    typeCode: '11100000000013338W011',
    issuerCode: '11430000006122244L',
    serial: '20230000403',
    version: 1,
    check: 'U',
  });
  assert.equal(parseLicenceIdentifier(OFFICIAL[3] as string).check, '0');
});

test('build reproduces the official examples', () => {
  for (const id of OFFICIAL) {
    const { check: _check, ...input } = parseLicenceIdentifier(id);
    assert.equal(buildLicenceIdentifier(input), id);
  }
});

test('the production identifier made by the faulty vendor variant is accepted with a warning naming it', () => {
  const { check: _check, ...p } = parseLicenceIdentifier(VENDOR);
  const body = p.typeCode + p.issuerCode + p.serial + '001';
  assert.equal(mod3736Check(body), 'D');
  assert.equal(faultyVendorCheck(body), 'M');
  const r = validateLicenceIdentifier(VENDOR);
  assert.equal(r.valid, true);
  assert.equal(r.expectedCheck, 'D');
  assert.deepEqual(
    r.warnings.map((w) => [w.part, w.code]),
    [['check', 'faulty-vendor-check']],
  );
  assert.match(r.warnings[0]?.message ?? '', /\bD\b/);
});

test('any other wrong check character is a plain check-mismatch warning, not a rejection', () => {
  const good = OFFICIAL[0] as string;
  const body = '11100000000013338W01111430000006122244L20230000403001';
  const wrong = [...ALNUM].find((c) => c !== 'U' && c !== faultyVendorCheck(body)) as string;
  const r = validateLicenceIdentifier(good.slice(0, -1) + wrong);
  assert.equal(r.valid, true);
  assert.deepEqual(
    r.warnings.map((w) => [w.part, w.code]),
    [['check', 'check-mismatch']],
  );
});

test('an issuer given as a 6-digit area code is a warning', () => {
  // Seen in production (Hefei real estate); its check is the standard one.
  const r = validateLicenceIdentifier('1.2.156.3005.2.11100000MB03271699022.340100.000000016.001.9');
  assert.equal(r.valid, true);
  assert.deepEqual(
    r.warnings.map((w) => [w.part, w.code]),
    [['issuerCode', 'area-code-issuer']],
  );
  const unknownArea = buildLicenceIdentifier({
    typeCode: '11100000MB03271699022',
    issuerCode: '990100',
    serial: '1',
    version: 1,
  });
  const u = validateLicenceIdentifier(unknownArea);
  assert.equal(u.warnings[0]?.code, 'area-code-issuer');
  assert.match(u.warnings[0]?.message ?? '', /not a known area/);
});

test('USCC check failures in the type authority or the issuer are warnings', () => {
  const badIssuer = buildLicenceIdentifier({
    typeCode: '11100000000013338W011',
    issuerCode: '11430000006122244M',
    serial: 'A1',
    version: 1,
  });
  const r = validateLicenceIdentifier(badIssuer);
  assert.equal(r.valid, true);
  assert.deepEqual(
    r.warnings.map((w) => [w.part, w.code]),
    [['issuerCode', 'issuer-uscc-check']],
  );

  const pilotIssuer = buildLicenceIdentifier({
    typeCode: '11100000000013338W011',
    issuerCode: '91350100M0001TGQXM',
    serial: 'A1',
    version: 1,
  });
  assert.deepEqual(
    validateLicenceIdentifier(pilotIssuer).warnings.map((w) => w.code),
    ['issuer-pilot-code'],
  );

  // The type authority part may use letters a USCC never has (I, O, S, V, Z): still only a warning.
  for (const typeCode of ['11100000000013338X011', '1110000000001333IO011']) {
    const id = buildLicenceIdentifier({
      typeCode,
      issuerCode: '11430000006122244L',
      serial: 'A1',
      version: 1,
    });
    const v = validateLicenceIdentifier(id);
    assert.equal(v.valid, true);
    assert.deepEqual(
      v.warnings.map((w) => [w.part, w.code]),
      [['typeCode', 'type-authority-uscc']],
    );
  }
});

test('known licence types carry a valid defining-authority USCC', () => {
  assert.equal(licenceTypeName('11100000000013127D001'), '居民身份证');
  assert.equal(licenceTypeName('toString'), undefined);
  for (const typeCode of Object.keys(KNOWN_LICENCE_TYPES)) {
    const id = buildLicenceIdentifier({
      typeCode,
      issuerCode: '11430000006122244L',
      serial: '1',
      version: 1,
    });
    assert.deepEqual(validateLicenceIdentifier(id).warnings, [], typeCode);
  }
});

test('parse names the part at fault', () => {
  const base = '1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U';
  const cases: [string, LicenceIdentifierPart, string][] = [
    ['', 'root', 'format'],
    ['1.2.156.3005.3.11100000000013338W011.11430000006122244L.20230000403.001.U', 'root', 'format'],
    ['1.2.156.3005.2', 'root', 'format'],
    [' ' + base, 'root', 'format'],
    [base.replace('W011', 'W11'), 'typeCode', 'format'],
    [base.replace('W011', 'W01A'), 'typeCode', 'format'],
    [base.replace('11100000000013338W', '11100000000013338w'), 'typeCode', 'format'],
    [base.replace('11430000006122244L', '1143000000612224'), 'issuerCode', 'format'],
    [base.replace('11430000006122244L', '1143000000612224IL'), 'issuerCode', 'format'],
    [base.replace('11430000006122244L', '11430'), 'issuerCode', 'format'],
    [base.replace('.20230000403.', '.2023-0000403.'), 'serial', 'format'],
    [base.replace('.20230000403.', '.2023.0000403.'), 'serial', 'format'],
    [base.replace('.20230000403.', '.abc.'), 'serial', 'format'],
    [base.replace('.20230000403.', '..'), 'serial', 'missing'],
    [base.replace('.001.', '.000.'), 'version', 'range'],
    [base.replace('.001.', '.01.'), 'version', 'format'],
    [base.replace('.001.', '.1000.'), 'version', 'format'],
    [base.slice(0, -1), 'check', 'missing'],
    [base + 'U', 'check', 'format'],
    [base.slice(0, -1) + 'u', 'check', 'format'],
    [base.slice(0, -2), 'check', 'missing'],
    [base.replace('.20230000403.', '.' + 'A'.repeat(70) + '.'), 'length', 'too-long'],
    ['1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.U', 'version', 'format'],
    ['1.2.156.3005.2.11100000000013338W011', 'issuerCode', 'missing'],
  ];
  for (const [text, part, code] of cases) {
    expectError(() => parseLicenceIdentifier(text), part, code);
    const v = validateLicenceIdentifier(text);
    assert.equal(v.valid, false, text);
    assert.equal(v.errors[0]?.part, part, text);
  }
});

test('validate reports every grammar error at once', () => {
  const v = validateLicenceIdentifier('1.2.156.3005.2.X.Y.z.0.??');
  assert.deepEqual(
    v.errors.map((e) => e.part),
    ['typeCode', 'issuerCode', 'serial', 'version', 'check'],
  );
});

test('build validates each part', () => {
  const ok = {
    typeCode: '11100000000013338W011',
    issuerCode: '11430000006122244L',
    serial: 'A1',
    version: 1,
  };
  expectError(() => buildLicenceIdentifier({ ...ok, typeCode: '11100000000013338W01' }), 'typeCode');
  expectError(() => buildLicenceIdentifier({ ...ok, issuerCode: '1143000000612224OL' }), 'issuerCode');
  expectError(() => buildLicenceIdentifier({ ...ok, serial: '' }), 'serial', 'missing');
  expectError(() => buildLicenceIdentifier({ ...ok, serial: 'a1' }), 'serial', 'format');
  for (const version of [0, 1000, 1.5, -1, Number.NaN]) {
    expectError(() => buildLicenceIdentifier({ ...ok, version }), 'version', 'range');
  }
  // 62 fixed characters with a USCC issuer leave 66 for the serial; 12 more with an area code.
  assert.equal(buildLicenceIdentifier({ ...ok, serial: 'A'.repeat(66) }).length, LICENCE_ID_MAX_LENGTH);
  expectError(() => buildLicenceIdentifier({ ...ok, serial: 'A'.repeat(67) }), 'serial', 'too-long');
  assert.equal(
    buildLicenceIdentifier({ ...ok, issuerCode: '340100', serial: 'A'.repeat(78) }).length,
    LICENCE_ID_MAX_LENGTH,
  );
  expectError(
    () => buildLicenceIdentifier({ ...ok, issuerCode: '340100', serial: 'A'.repeat(79) }),
    'serial',
    'too-long',
  );
  assert.ok(buildLicenceIdentifier({ ...ok, version: 999 }).includes('.999.'));
});

test('nextVersion increments the version and recomputes the check with the standard algorithm', () => {
  assert.equal(nextVersion(OFFICIAL[0] as string), OFFICIAL[1]);
  assert.equal(nextVersion(parseLicenceIdentifier(OFFICIAL[0] as string)), OFFICIAL[1]);
  const fromVendor = nextVersion(VENDOR);
  assert.deepEqual(validateLicenceIdentifier(fromVendor).warnings, []);
  assert.ok(fromVendor.endsWith('.002.' + mod3736Check(fromVendor.slice(15, -2).replaceAll('.', ''))));
  const last = OFFICIAL[0]!.replace('.001.U', '.999.' + 'X');
  expectError(() => nextVersion(last), 'version', 'overflow');
  expectError(() => nextVersion('nonsense'), 'root');
});

test('property: build → parse round trip, valid without check warnings', () => {
  fc.assert(
    fc.property(parts, (p) => {
      const text = buildLicenceIdentifier(p);
      assert.ok(text.startsWith(LICENCE_ID_ROOT + '.'));
      assert.ok(text.length <= LICENCE_ID_MAX_LENGTH);
      const parsed = parseLicenceIdentifier(text);
      assert.deepEqual({ ...parsed, check: undefined }, { ...p, check: undefined });
      const v = validateLicenceIdentifier(text);
      assert.equal(v.valid, true);
      assert.equal(v.expectedCheck, parsed.check);
      // The check is standard; only the issuer and the authority code (inner organization code check) may warn.
      assert.deepEqual(
        v.warnings.filter((w) => w.part === 'check'),
        [],
      );
    }),
    { numRuns: 300 },
  );
});

test('MOD 37,36 misses a transposition in one documented case', () => {
  // The brief expected every adjacent transposition to be caught; the algorithm does not guarantee that.
  assert.equal(mod3736Check('JI00'), mod3736Check('IJ00'));
});

/** Running S before each character (the spec's algorithm), to predict the transpositions it misses. */
function runningS(body: string): number[] {
  const out: number[] = [];
  let p = 36;
  for (const ch of body) {
    const s = (p + ALNUM.indexOf(ch)) % 36 || 36;
    out.push(s);
    p = (2 * s) % 37;
  }
  return out;
}

test('property: MOD 37,36 detects every single substitution and every adjacent transposition but one kind', () => {
  fc.assert(
    fc.property(chars(ALNUM, 2, 80), (body) => {
      const c = mod3736Check(body);
      const s = runningS(body);
      for (let i = 0; i < body.length; i++) {
        for (const x of ALNUM) {
          if (x === body[i]) continue;
          const changed = body.slice(0, i) + x + body.slice(i + 1);
          assert.notEqual(mod3736Check(changed), c, `substitution at ${i} in ${body}`);
        }
        if (i + 1 < body.length && body[i] !== body[i + 1]) {
          const a = ALNUM.indexOf(body[i] as string);
          const b = ALNUM.indexOf(body[i + 1] as string);
          const sw = ((((s[i] as number) - a + b) % 36) + 36) % 36 || 36; // S at i if b came first
          // Missed exactly when the order that reaches S = 18 is followed by a character worth one more.
          const missed = (s[i] === 18 && b === (a + 1) % 36) || (sw === 18 && a === (b + 1) % 36);
          const swapped = body.slice(0, i) + body[i + 1] + body[i] + body.slice(i + 2);
          assert.equal(mod3736Check(swapped) === c, missed, `transposition at ${i} in ${body}`);
        }
      }
    }),
    { numRuns: 300 },
  );
  // Every character pair in every state, not only the sampled ones.
  let detected = 0;
  let missed = 0;
  for (const prefix of ALNUM) {
    for (const a of ALNUM) {
      for (const b of ALNUM) {
        if (a === b) continue;
        if (mod3736Check(prefix + a + b) === mod3736Check(prefix + b + a)) missed++;
        else detected++;
      }
    }
  }
  assert.equal(missed, 72); // one unordered pair (both orders) per state
  assert.equal(detected, 36 * 36 * 35 - 72);
});

test('property: nextVersion keeps everything but version and check', () => {
  fc.assert(
    fc.property(
      parts.filter((p) => p.version < 999),
      (p) => {
        const before = parseLicenceIdentifier(buildLicenceIdentifier(p));
        const after = parseLicenceIdentifier(nextVersion(buildLicenceIdentifier(p)));
        assert.equal(after.typeCode, before.typeCode);
        assert.equal(after.issuerCode, before.issuerCode);
        assert.equal(after.serial, before.serial);
        assert.equal(after.version, before.version + 1);
        assert.equal(
          after.check,
          mod3736Check(
            after.typeCode + after.issuerCode + after.serial + String(after.version).padStart(3, '0'),
          ),
        );
      },
    ),
  );
});

test('property: parse throws nothing but LicenceIdentifierError, validate never throws', () => {
  const mutated = fc
    .tuple(fc.constantFrom(...OFFICIAL, VENDOR), fc.nat(), fc.string({ maxLength: 3 }), fc.nat({ max: 3 }))
    .map(([s, at, ins, del]) => {
      const i = at % (s.length + 1);
      return s.slice(0, i) + ins + s.slice(i + del);
    });
  const dotted = fc
    .array(fc.oneof(chars(ALNUM + 'az.-', 0, 25), fc.string({ unit: 'binary', maxLength: 5 })), {
      maxLength: 8,
    })
    .map((f) => LICENCE_ID_ROOT + '.' + f.join('.'));
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), mutated, dotted), (text) => {
      try {
        parseLicenceIdentifier(text);
      } catch (e) {
        assert.ok(e instanceof LicenceIdentifierError, `unexpected ${String(e)} for ${JSON.stringify(text)}`);
      }
      const v = validateLicenceIdentifier(text);
      assert.equal(v.valid, v.errors.length === 0);
    }),
    { numRuns: 2000 },
  );
});
