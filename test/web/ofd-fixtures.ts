// OFDs sealed with a seal of the verify world's agency (test/web/verify-fixtures.ts): a seal-signer key made
// here, its certificate issued by the node's CA from a CSR, a seal registered for it, and the package built
// and signed by test/verify/ofd-sealed-fixtures.ts. What the HTTP, CLI and page tests of OFD verification
// start from: the node trusts it, so it verifies TOTAL_PASSED through the real service.
import { fromPem } from '../../src/crypto/pem.js';
import { sm3 } from '../../src/crypto/sm3.js';
import { signSesV4 } from '../../src/seal/ses-encoder.js';
import { expectJson } from '../helpers/licence-fixtures.js';
import { ownKeyCsr } from '../helpers/own-key-csr.js';
import type { TestCertificate } from '../helpers/test-pki.js';
import { addSeal, unsignedFiles, zip, type Files } from '../verify/ofd-sealed-fixtures.js';
import type { VerifyWorld } from './verify-fixtures.js';

export interface AgencySigner {
  esID: string;
  seal: Buffer;
  cert: Buffer;
  privateKey: Uint8Array;
}

/** A seal of the world's agency whose signer key is held here (not in the node's vault). */
export async function agencySigner(w: VerifyWorld): Promise<AgencySigner> {
  const admin = w.srv.adminToken;
  const own = ownKeyCsr();
  const issued = await expectJson<{ serial: string; certificate: string }>(
    await w.srv.request('/v1/certificates', {
      method: 'POST',
      token: admin,
      json: { profile: 'seal-signer', agencyId: w.agency.agencyId, csr: own.csr },
    }),
    201,
  );
  const { esID } = await expectJson<{ esID: string }>(
    await w.srv.request('/v1/seals', {
      method: 'POST',
      token: admin,
      json: {
        agencyId: w.agency.agencyId,
        name: 'OFD 验证测试章',
        type: 'official',
        signerCertSerials: [issued.serial],
        validFrom: new Date(Date.now() - 60_000).toISOString(),
        validTo: new Date(Date.now() + 365 * 86_400_000).toISOString(),
      },
    }),
    201,
  );
  // SES times are whole seconds: wait for the next one, so that a signing time taken from now on is not before
  // the registration (the registry has no status for the seal before it, and seal-status is INDETERMINATE).
  const registered = Date.now();
  await new Promise((r) => setTimeout(r, 1000 - (registered % 1000) + 1));
  const res = await w.srv.request(`/v1/seals/${esID}.esl`, { token: admin });
  if (res.status !== 200) throw new Error(`GET seal: ${res.status} ${await res.text()}`);
  return {
    esID,
    seal: Buffer.from(await res.arrayBuffer()),
    cert: fromPem(issued.certificate, ['CERTIFICATE']).der,
    privateKey: own.privateKey,
  };
}

/**
 * The minimal package sealed once by `s` (ofd-sealed-fixtures' addSeal), its SES signed now: the node's
 * seal and certificate are seconds old, the fixtures' signing time (an hour ago) would precede them.
 */
export function sealedOfdFiles(s: AgencySigner): Files {
  const by = { der: s.cert, key: { privateKey: s.privateKey } } as unknown as TestCertificate;
  const files = addSeal(unsignedFiles(), { seal: s.seal, by });
  const dir = 'Doc_0/Signs/Sign_0';
  const signatureXml = files.get(`${dir}/Signature.xml`)!;
  const ses = signSesV4(
    {
      seal: s.seal,
      timeInfo: new Date(Math.floor(Date.now() / 1000) * 1000),
      dataHash: sm3(signatureXml),
      propertyInfo: `/${dir}/Signature.xml`,
    },
    { cert: s.cert, privateKey: s.privateKey },
  );
  files.set(`${dir}/SignedValue.dat`, ses.der);
  return files;
}

export const sealedOfd = (s: AgencySigner): Buffer => zip(sealedOfdFiles(s));
