import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { sm2SignDigest } from '../../src/crypto/sm2.js';
import { sm3 } from '../../src/crypto/sm3.js';
import { buildCmsSignedData } from '../../src/pki/cms-signed-data.js';
import { validateCmsSignature } from '../../src/verify/cms-validation.js';
import type { Check, SignatureReport } from '../../src/verify/report.js';
import { validateSesSeal, validateSesSignature } from '../../src/verify/ses-validation.js';
import {
  issueFromProfile,
  nodeContext,
  nodeKey,
  registryOf,
  sealBy,
  signWith,
  type Holder,
} from './node-artefacts.js';

// Attack class 1 (issue 12): who may make seals and sign with them. Every artefact is SealTrust's own: the
// development node's keys and certificates its CA issues from ca/profiles. Each attack must end in one exact
// indication, sub-indication and deciding check — never TOTAL_PASSED.

const DATA = Buffer.from('<Signature>付款 1,000 元</Signature>');

function get(r: SignatureReport, id: string): Check {
  const c = r.checks.find((x) => x.id === id);
  assert.ok(c, `no check ${id}`);
  return c;
}

/** The first failed check, else the first indeterminate one, in report order. */
function deciding(r: SignatureReport): string {
  const c = r.checks.find((x) => x.status === 'failed') ?? r.checks.find((x) => x.status === 'indeterminate');
  return c ? `${c.id}:${c.code}` : '-';
}

function expect(r: SignatureReport, verdict: string, check: string): void {
  const all = r.checks.map((c) => `${c.id}:${c.status}:${c.code}`).join(' ');
  assert.equal(`${r.indication}/${r.subIndication ?? '-'}`, verdict, all);
  assert.equal(deciding(r), check, all);
}

// An agency's ordinary seal-signer certificate and key (what any holder has).
const agencySigner = issueFromProfile('seal-signer', '某某局签章人');
const realMaker = nodeKey('sealMaker');
const registeredSeal = sealBy(realMaker, [agencySigner], { name: '某某市某某局', esID: '33010000000001' });
const registry = registryOf(new Map([['33010000000001', registeredSeal]]));

describe('seal-maker authority', () => {
  it('control: a seal of the node’s maker, registered, signed by a seal-signer is TOTAL_PASSED', async () => {
    const r = await validateSesSignature(
      signWith(registeredSeal, agencySigner, DATA),
      nodeContext(registry, DATA),
    );
    expect(r, 'TOTAL_PASSED/-', '-');
    assert.equal(get(r, 'maker-authority').code, 'MAKER_KNOWN');
    assert.equal(get(r, 'signer-profile').code, 'SIGNER_PROFILE_OK');
  });

  it('a "浙江省人民政府" seal made with a seal-signer certificate and key as maker: INDETERMINATE / CHAIN_CONSTRAINTS_FAILURE', async () => {
    const forged = sealBy(agencySigner, [agencySigner], { name: '浙江省人民政府' });
    const r = await validateSesSignature(signWith(forged, agencySigner, DATA), nodeContext(registry, DATA));
    expect(r, 'INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE', 'maker-authority:MAKER_WRONG_PROFILE');
    // Every cryptographic check holds and both chains lead to the node's root: only the profile stops it.
    for (const id of ['signature', 'seal-signature', 'signer-in-seal', 'chain', 'maker-chain', 'data-hash'])
      assert.equal(get(r, id).status, 'passed', id);
    assert.match(get(r, 'maker-authority').messageEn, /seal-signer certificate/);
    const bare = await validateSesSeal(forged, nodeContext(registry));
    expect(bare, 'INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE', 'maker-authority:MAKER_WRONG_PROFILE');
  });

  it('a seal made with the node’s OCSP responder certificate and key: INDETERMINATE / CHAIN_CONSTRAINTS_FAILURE', async () => {
    const forged = sealBy(nodeKey('ocspResponder'), [agencySigner]);
    const r = await validateSesSignature(signWith(forged, agencySigner, DATA), nodeContext(registry, DATA));
    expect(r, 'INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE', 'maker-authority:MAKER_WRONG_PROFILE');
    assert.match(get(r, 'maker-authority').messageEn, /ocsp-responder certificate/);
  });

  it('the TSA or a seal-maker certificate issued through the API (not a known system): not passed', async () => {
    const tsa = sealBy(nodeKey('tsa'), [agencySigner]);
    const r1 = await validateSesSignature(signWith(tsa, agencySigner, DATA), nodeContext(registry, DATA));
    expect(r1, 'INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE', 'maker-authority:MAKER_WRONG_PROFILE');
    // A seal-maker certificate (right policy and key usage) that is not one of this node's makers.
    const rogueMaker = issueFromProfile('seal-maker', '自建制章系统');
    const rogue = sealBy(rogueMaker, [agencySigner]);
    const r2 = await validateSesSignature(signWith(rogue, agencySigner, DATA), nodeContext(registry, DATA));
    expect(r2, 'INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND', 'maker-authority:MAKER_UNKNOWN');
    assert.match(get(r2, 'maker-authority').message, /不是本节点已知的电子印章制作系统/);
  });

  it('a seal made by the node’s real maker but not in its registry: TOTAL_FAILED / SEAL_NOT_REGISTERED', async () => {
    const unregistered = sealBy(realMaker, [agencySigner], {
      name: '浙江省人民政府',
      esID: '33000000000777',
    });
    const r = await validateSesSignature(
      signWith(unregistered, agencySigner, DATA),
      nodeContext(registry, DATA),
    );
    expect(r, 'TOTAL_FAILED/SEAL_NOT_REGISTERED', 'seal-status:SEAL_NOT_REGISTERED');
    assert.equal(get(r, 'maker-authority').status, 'passed');
    const bare = await validateSesSeal(unregistered, nodeContext(registry));
    expect(bare, 'TOTAL_FAILED/SEAL_NOT_REGISTERED', 'seal-status:SEAL_NOT_REGISTERED');
    // Offline (no registry to ask) the status stays unknown rather than failing: not worse than before.
    const { sealRegistry: _none, ...offline } = nodeContext(registry, DATA);
    const off = await validateSesSignature(signWith(unregistered, agencySigner, DATA), offline);
    assert.equal(get(off, 'seal-status').code, 'NO_REGISTRY');
    assert.equal(off.indication, 'TOTAL_PASSED');
  });

  it('a registered seal whose listed signer certificate is not a seal-signer: INDETERMINATE / CHAIN_CONSTRAINTS_FAILURE', async () => {
    for (const holder of [
      issueFromProfile('log-signer', '日志签名'),
      nodeKey('ocspResponder'),
      realMaker,
    ] as Holder[]) {
      const seal = sealBy(realMaker, [holder], { esID: '33010000000002' });
      const reg = registryOf(new Map([['33010000000002', seal]]));
      const r = await validateSesSignature(signWith(seal, holder, DATA), nodeContext(reg, DATA));
      expect(r, 'INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE', 'signer-profile:SIGNER_WRONG_PROFILE');
    }
  });

  it('a CMS signature by a certificate that is not a seal-signer: INDETERMINATE / CHAIN_CONSTRAINTS_FAILURE', async () => {
    const sign = (who: Holder) =>
      buildCmsSignedData({
        digest: sm3(DATA),
        signerCertDer: who.der,
        signDigest: (e) => sm2SignDigest(who.privateKey, e),
        oids: 'rfc5652',
        signingTime: new Date(Date.now() - 60_000),
      });
    const ok = await validateCmsSignature(await sign(agencySigner), nodeContext(registry, DATA));
    expect(ok, 'TOTAL_PASSED/-', '-');
    const r = await validateCmsSignature(await sign(nodeKey('tsa')), nodeContext(registry, DATA));
    expect(r, 'INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE', 'signer-profile:SIGNER_WRONG_PROFILE');
  });
});

describe('certificate lists by digest (certListType 2)', () => {
  const sha1 = createHash('sha1').update(agencySigner.der).digest();
  const check = async (certDigests: { type: string; value: Buffer }[]) => {
    const seal = sealBy(realMaker, [], { esID: '33010000000003', certDigests });
    const reg = registryOf(new Map([['33010000000003', seal]]));
    return validateSesSignature(signWith(seal, agencySigner, DATA), nodeContext(reg, DATA));
  };

  it('an SM3 digest of the signer certificate lists it: TOTAL_PASSED', async () => {
    expect(await check([{ type: 'SM3', value: sm3(agencySigner.der) }]), 'TOTAL_PASSED/-', '-');
  });

  it('only a SHA-1 digest: INDETERMINATE / CRYPTO_CONSTRAINTS_FAILURE (SHA-1 pins no certificate)', async () => {
    for (const type of ['SHA1', 'SHA-1', '1.3.14.3.2.26']) {
      const r = await check([{ type, value: sha1 }]);
      expect(r, 'INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE', 'signer-in-seal:WEAK_DIGEST_ALGORITHM');
    }
  });

  it('a SHA-1 entry beside a matching SM3 one: the SM3 one counts', async () => {
    const r = await check([
      { type: 'SHA1', value: sha1 },
      { type: 'SM3', value: sm3(agencySigner.der) },
    ]);
    expect(r, 'TOTAL_PASSED/-', '-');
  });
});

// Issue 15: at another node the known makers are the trust list's (certificates: every listed node's makers;
// registeredHere: only the verifier's own). The same node's artefacts, seen from a node that lists it.
describe('seal-maker authority through the trust list (another node verifying)', () => {
  /** The verifier's context at a node that knows this node only through its trust-list entry. */
  const listedContext = (reg = registry, data = DATA) => {
    const ctx = nodeContext(reg, data);
    return { ...ctx, sealMakers: { certificates: ctx.sealMakers!.certificates, registeredHere: [] } };
  };

  it('a listed node’s maker is known; a seal its registry never held is not FAILED here (not ours to tell)', async () => {
    const ok = await validateSesSignature(signWith(registeredSeal, agencySigner, DATA), listedContext());
    expect(ok, 'TOTAL_PASSED/-', '-');
    const elsewhere = sealBy(realMaker, [agencySigner], { esID: '33000000000778' });
    const r = await validateSesSignature(signWith(elsewhere, agencySigner, DATA), listedContext());
    assert.equal(get(r, 'maker-authority').code, 'MAKER_KNOWN');
    assert.notEqual(get(r, 'seal-status').status, 'failed');
  });

  it('a maker under a listed node’s CA but not listed as its maker never verifies', async () => {
    const rogue = sealBy(issueFromProfile('seal-maker', '未列入信任列表的制章系统'), [agencySigner]);
    const r = await validateSesSignature(signWith(rogue, agencySigner, DATA), listedContext());
    expect(r, 'INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND', 'maker-authority:MAKER_UNKNOWN');
  });

  it('a listed node’s seal-signer certificate acting as maker never verifies', async () => {
    const forged = sealBy(agencySigner, [agencySigner], { name: '浙江省人民政府' });
    const r = await validateSesSignature(signWith(forged, agencySigner, DATA), listedContext());
    expect(r, 'INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE', 'maker-authority:MAKER_WRONG_PROFILE');
  });
});
