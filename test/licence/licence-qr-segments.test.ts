// The licence QR code's own segmentation (licence-qr.ts qrSegments, ISO/IEC 18004 §7.4): it must carry exactly
// the text, each segment only characters its mode can hold, and for licence URLs need no larger a symbol than
// the qrcode library's optimal segmentation; zbarimg, an independent decoder, reads the symbols back.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import QRCode from 'qrcode';
import { buildLicenceIdentifier } from '../../src/licence/licence-identifier.js';
import { qrMatrix, qrSegments } from '../../src/licence/licence-qr.js';
import { pngOfSvg } from './licence-ofd-support.js';

const ALPHANUMERIC = /^[0-9A-Z $%*+./:-]+$/;
const text = (s: QRCode.QRCodeSegment) =>
  typeof s.data === 'string' ? s.data : Buffer.from(s.data as Uint8Array).toString('utf8');

const DIGITS = '0123456789';
const UPPER = 'ABCDEFGHJKLMNPQRTUWXY';
/** Licence URLs as nodes print them: a public base, `/l/`, a GB/T 36904 identifier (type, issuer, serial). */
const licenceUrl = fc
  .record({
    base: fc.constantFrom(
      'https://licences.example.gov.cn',
      'https://zwfw.zj.gov.cn/sealtrust',
      'http://127.0.0.1:8080',
    ),
    issuer: fc.string({ unit: fc.constantFrom(...(DIGITS + UPPER).split('')), minLength: 18, maxLength: 18 }),
    serial: fc.string({ unit: fc.constantFrom(...DIGITS.split('')), minLength: 1, maxLength: 20 }),
    version: fc.integer({ min: 1, max: 999 }),
  })
  .map(
    ({ base, issuer, serial, version }) =>
      `${base}/l/${buildLicenceIdentifier({ typeCode: '11100000000013338W001', issuerCode: issuer, serial, version })}`,
  );

describe('QR segments of a licence URL', () => {
  it('carry exactly the text, each segment only what its mode holds', () => {
    const anyText = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({ unit: fc.constantFrom(...'0123456789AZ./:-az中 '.split('')) }),
      licenceUrl,
    );
    fc.assert(
      fc.property(anyText, (t) => {
        const segs = qrSegments(t);
        assert.equal(segs.map(text).join(''), t);
        for (const s of segs) {
          assert.ok(text(s).length > 0 || t === '', 'no empty segment');
          if (s.mode === 'numeric') assert.match(text(s), /^[0-9]{13,}$/);
          if (s.mode === 'alphanumeric') assert.match(text(s), ALPHANUMERIC);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a licence URL needs no larger a symbol than the library’s optimal segmentation', () => {
    fc.assert(
      fc.property(licenceUrl, (url) => {
        const ours = QRCode.create(qrSegments(url), { errorCorrectionLevel: 'M' }).version;
        const optimal = QRCode.create(url, { errorCorrectionLevel: 'M' }).version;
        assert.ok(ours <= optimal, `${url}: version ${ours} against ${optimal}`);
      }),
      { numRuns: 200 },
    );
  });

  const zbar = spawnSync('zbarimg', ['--version']).status === 0;
  it(
    'zbarimg decodes the symbols to the URLs',
    { skip: zbar ? false : 'zbarimg is absent (apt-get install zbar-tools; .ci/run does)' },
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'qr-segments-'));
      try {
        const urls = fc.sample(licenceUrl, { numRuns: 12, seed: 17 });
        // Symbols with few or no capitals, digit runs of every length around the numeric threshold.
        urls.push(
          'https://x.example/l/1.2.156.3005.2.' + '1'.repeat(12) + 'A',
          'https://x.example/a',
          'ABC123',
        );
        for (const [i, url] of urls.entries()) {
          const m = qrMatrix(url);
          const quiet = 4;
          const side = m.size + 2 * quiet;
          let rects = '';
          for (let r = 0; r < m.size; r++)
            for (let c = 0; c < m.size; c++)
              if (m.isDark(r, c)) rects += `<rect x="${c + quiet}" y="${r + quiet}" width="1" height="1"/>`;
          const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${side * 8}" height="${side * 8}" viewBox="0 0 ${side} ${side}" shape-rendering="crispEdges"><rect width="${side}" height="${side}" fill="#fff"/>${rects}</svg>`;
          const file = join(dir, `${i}.png`);
          writeFileSync(file, pngOfSvg(svg));
          const out = spawnSync('zbarimg', ['-q', '--raw', file], { encoding: 'utf8' });
          assert.equal(out.status, 0, `zbarimg failed on ${url}: ${out.stderr}`);
          assert.equal(out.stdout.trim(), url);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
