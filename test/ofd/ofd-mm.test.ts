import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { mm } from '../../src/ofd/ofd-stamping.js';

// OFD numbers (GB/T 33190 ST_Array of doubles): at most three decimals, no trailing zeros, no exponent, no "-0".
describe('mm', () => {
  const reference = (n: number) => {
    const t = n.toFixed(3).replace(/\.?0+$/, '');
    return t === '-0' ? '0' : t;
  };

  it('writes whole and fractional numbers alike: three decimals at most, trimmed', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: -1e9, max: 1e9 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })),
        (n) => {
          const s = mm(n);
          assert.equal(s, reference(n));
          assert.match(s, /^-?\d+(\.\d{0,2}[1-9])?$/);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never writes -0', () => {
    assert.equal(mm(-0), '0');
    assert.equal(mm(-0.0001), '0');
    assert.equal(mm(-3), '-3');
  });
});
