import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'node:test';
import smCrypto from 'sm-crypto';
import { openOfd } from '../../src/ofd/ofd-package.js';
import { signOfd } from '../../src/ofd/ofd-stamping.js';
import { makeSeal, signSesV4 } from '../../src/seal/ses-encoder.js';
import { decodeSesSignature } from '../../src/seal/ses-decoder.js';
import { issueTestCertificate } from '../helpers/test-pki.js';
import { baseOptions, signatureAt, unsignedOfd, withExternalTools } from './ofd-stamping-support.js';

// A real SES v4 seal signature (GB/T 38540, GM/T 0099-2020 §7.2) over a stamped OFD: TBS_Sign.dataHash =
// SM3(Signature.xml as written), eseal = Seal.esl byte for byte, propertyInfo names Signature.xml; the signer's
// SM2 signature checked by sm-crypto (an independent implementation) over the DER TBS_Sign read back.

const { sm2: smc } = smCrypto;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

it('signs the prepared Signature.xml with a real SM2 key, verifiable by sm-crypto', async () => {
  const maker = issueTestCertificate('制章者', null);
  const signer = issueTestCertificate('签章者', null);
  const seal = makeSeal(
    {
      version: 4,
      vid: 'SealTrust',
      esID: '11010800000001',
      type: 1,
      name: '北京市某某局行政审批专用章',
      certs: [signer.der],
      createDate: new Date('2025-03-01T08:00:00Z'),
      validStart: new Date('2025-03-01T08:00:00Z'),
      validEnd: new Date('2030-03-01T08:00:00Z'),
      picture: { type: 'PNG', data: PNG, width: 40, height: 40 },
    },
    { cert: maker.der, privateKey: maker.key.privateKey },
  );
  const signDate = new Date('2026-12-04T02:14:12Z');
  const out = await signOfd(openOfd(unsignedOfd()), {
    ...baseOptions({ sealFile: seal, signDate }),
    sign: async (prepared) =>
      signSesV4(
        { seal, timeInfo: signDate, dataHash: prepared.digest, propertyInfo: prepared.propertyInfo },
        { cert: signer.der, privateKey: signer.key.privateKey },
      ).der,
  });

  const pkg = openOfd(out);
  const signature = signatureAt(pkg, 'Doc_0/Signs/Sign_0/Signature.xml');
  withExternalTools(out, (read) => {
    const signatureXml = read('Doc_0/Signs/Sign_0/Signature.xml');
    const ses = decodeSesSignature(read('Doc_0/Signs/Sign_0/SignedValue.dat'));
    assert.ok(ses.dataHash.equals(createHash('sm3').update(signatureXml).digest()));
    assert.ok(ses.sealDer.equals(read('Doc_0/Signs/Sign_0/Seal.esl')));
    assert.equal(ses.propertyInfo, '/Doc_0/Signs/Sign_0/Signature.xml');
    const opts = { hash: true, der: true, userId: '1234567812345678' };
    assert.equal(
      smc.doVerifySignature(ses.tbsSignDer, hex(ses.signature), hex(signer.key.publicKey), opts),
      true,
    );
    // and a changed Signature.xml would not match the signed dataHash
    const tampered = Buffer.from(signatureXml);
    const at = tampered.length - 2;
    tampered[at] = tampered[at]! ^ 1;
    assert.ok(!ses.dataHash.equals(createHash('sm3').update(tampered).digest()));
  });
  assert.equal(signature.seal?.loc, '/Doc_0/Signs/Sign_0/Seal.esl');
});
