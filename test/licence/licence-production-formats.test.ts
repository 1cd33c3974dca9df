import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { finishOfdSeal } from '../../src/ofd/ofd-stamping.js';
import { finishPdfSeal } from '../../src/pdf/pdf-seal-signing.js';
import { signSesV4 } from '../../src/seal/ses-encoder.js';
import { LicenceProductionPool } from '../../src/service/licences/licence-production-pool.js';
import { validateOfd } from '../../src/verify/ofd-validation.js';
import { SEAL_1, signer, trustedCtx } from '../verify/ofd-sealed-fixtures.js';
import { DEMO_LICENCE_TYPES, licenceJob } from './licence-ofd-support.js';

// The production pool (worker threads) with job.formats: the OFD's prepared parts cross from the worker as
// plain data and are finished on the main thread, where the keys are; the PDF is what it always was.

const pool = new LicenceProductionPool(1);
after(() => pool.close());

const ses = (digest: Buffer, propertyInfo: string, timeInfo: Date) =>
  signSesV4(
    { seal: SEAL_1, timeInfo, dataHash: digest, propertyInfo },
    { cert: signer.der, privateKey: signer.key.privateKey },
  ).der;

describe('LicenceProductionPool with formats', () => {
  it('pdf+ofd: both prepared in a worker; the OFD finished here verifies TOTAL_PASSED', async () => {
    const job = licenceJob(DEMO_LICENCE_TYPES[1]!, { formats: ['pdf', 'ofd'] });
    const p = await pool.produce(job);
    assert.ok(p.pdf && p.ofd);
    const pdf = finishPdfSeal(
      p.pdf,
      ses(p.pdf.digest, `/ByteRange [${p.pdf.byteRange.join(' ')}]`, job.signingTime),
    );
    assert.equal(Buffer.from(pdf.subarray(0, 5)).toString(), '%PDF-');
    const ofd = finishOfdSeal(p.ofd.parts, ses(p.ofd.digest, p.ofd.propertyInfo, p.ofd.signingTime));
    const r = await validateOfd(ofd, trustedCtx());
    assert.equal(r.indication, 'TOTAL_PASSED', JSON.stringify(r.signatures[0]?.checks, null, 1));
  });

  it('formats absent: PDF only, as before OFD licences', async () => {
    const { formats: _formats, ...job } = licenceJob(DEMO_LICENCE_TYPES[0]!);
    const p = await pool.produce(job);
    assert.ok(p.pdf);
    assert.equal(p.ofd, undefined);
  });

  it('ofd only: no PDF is made', async () => {
    const p = await pool.produce(licenceJob(DEMO_LICENCE_TYPES[0]!, { formats: ['ofd'] }));
    assert.equal(p.pdf, undefined);
    assert.ok(p.ofd);
  });
});
