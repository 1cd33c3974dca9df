import { sm2SignDigest } from '../../crypto/sm2.js';
import type { TrustListSigner } from '../../trust-list/trust-list-signature.js';
import { cosignatureSigner } from '../../tlog/cosignature.js';
import type { NoteSigner } from '../../tlog/signed-note.js';
import { COSIG_SIGTYPE, formatVerifierKey, NOTE_SIGTYPE, sm2NoteSigner } from '../../tlog/sm2-note-key.js';
import type { CaNode, KeyedCertificate } from '../ca/ca-node.js';
import { ServiceError } from '../service-error.js';

// The node's log and witness keys as signed-note signers and vkeys (federation.md §2.3–§2.5, §4.3), and the
// hub's trust-list signer (§2.8). The keys are the key ceremony's (`sealtrust ca init`), held decrypted in CaNode
// only; nothing here logs them.

/** The issuing CA's key of that kind: the default CA's, else the first CA that has one. */
function nodeKey(
  node: CaNode,
  kind: 'logSigner' | 'witness' | 'trustListSigner',
): KeyedCertificate | undefined {
  const own = node.defaultCa[kind];
  if (own) return own;
  for (const ca of node.issuingCas.values()) if (ca[kind]) return ca[kind];
  return undefined;
}

/** Whether this node's keys include a directory-log signer (keys made before the log do not). */
export function hasLogSigner(node: CaNode): boolean {
  return nodeKey(node, 'logSigner') !== undefined;
}

function logSignerKey(node: CaNode): KeyedCertificate {
  const key = nodeKey(node, 'logSigner');
  if (!key) {
    throw new ServiceError(
      'unavailable',
      'log-signer-missing',
      '本节点没有目录日志签名密钥：请用 `sealtrust ca add-keys` 补发 / this node has no directory-log signer key: ' +
        'add one with `sealtrust ca add-keys` (the CA config needs issuingCas[].logSigner and operator)',
    );
  }
  return key;
}

/**
 * Signs this node's checkpoints: the key name is the log origin (tlog-checkpoint: the key name SHOULD match
 * the origin, federation.md §2.4). Throws ServiceError `log-signer-missing` when the keys have none.
 */
export function logNoteSigner(node: CaNode, origin: string): NoteSigner {
  return sm2NoteSigner(origin, logSignerKey(node).privateKey);
}

/** The vkey (`<origin>+<key ID>+<base64>`) verifiers and the hub configure for this node's log. */
export function logVerifierKey(node: CaNode, origin: string): string {
  return logVerifierKeyOf(logSignerKey(node).cert.publicKey, origin);
}

/**
 * The vkeys of the log signers this node's current one replaced, with when each was retired (the issuing CA's
 * that holds the log signer), for the node's trust-list entry and for reading its own older checkpoints.
 */
export function retiredLogVerifierKeys(node: CaNode, origin: string): { vkey: string; retiredAt: Date }[] {
  const ca = node.defaultCa.logSigner
    ? node.defaultCa
    : [...node.issuingCas.values()].find((c) => c.logSigner);
  return (ca?.retiredLogSigners ?? []).map((r) => ({
    vkey: logVerifierKeyOf(r.cert.publicKey, origin),
    retiredAt: r.retiredAt,
  }));
}

/** The log vkey of a log-signer public key (from its certificate, no private key needed). */
export function logVerifierKeyOf(publicKey: Uint8Array, origin: string): string {
  return formatVerifierKey(origin, NOTE_SIGTYPE, publicKey);
}

/** The witness vkey of a witness public key under `name`. */
export function witnessVerifierKeyOf(publicKey: Uint8Array, name: string): string {
  return formatVerifierKey(name, COSIG_SIGTYPE, publicKey);
}

/** POSIX seconds, the cosignature timestamp (federation.md §2.5). */
const posixSeconds = () => Math.floor(Date.now() / 1000);

/**
 * The hub's witness cosigner under `name` (`<logOrigin>/witness`), or undefined when the keys have no witness
 * key (a province). `clock` gives POSIX seconds; tests pin it.
 */
export function witnessCosigner(
  node: CaNode,
  name: string,
  clock: () => number = posixSeconds,
): NoteSigner | undefined {
  const key = nodeKey(node, 'witness');
  return key ? cosignatureSigner(name, key.privateKey, clock) : undefined;
}

/** The witness vkey provinces configure as SEALTRUST_HUB_WITNESS_KEY, or undefined without a witness key. */
export function witnessVerifierKey(node: CaNode, name: string): string | undefined {
  const key = nodeKey(node, 'witness');
  return key ? witnessVerifierKeyOf(key.cert.publicKey, name) : undefined;
}

/** The witness name of a node whose log origin is `logOrigin` (fed-context: `${logOrigin}/witness`). */
export function witnessName(logOrigin: string): string {
  return `${logOrigin}/witness`;
}

/**
 * The hub's national trust-list signer (federation.md §2.8: detached SM2 CMS over list.json's bytes): the default
 * issuing CA's, else the first CA's that has one, as for the witness key. Undefined when the keys have none (a
 * province, or hub keys made before the trust list: `sealtrust ca add-keys` adds it).
 */
export function trustListSigner(node: CaNode): KeyedCertificate | undefined {
  return nodeKey(node, 'trustListSigner');
}

/** The hub's trust-list signer as the CMS signer of list.json.p7s (federation.md §2.8), if the node has one. */
export function trustListCmsSigner(node: CaNode): TrustListSigner | undefined {
  const k = trustListSigner(node);
  return k && { certificateDer: k.cert.der, signDigest: (e: Buffer) => sm2SignDigest(k.privateKey, e) };
}

/** The name of the hub's status-statement key (federation.md §2.7): `<logOrigin>/status`. */
export function statusSignerName(logOrigin: string): string {
  return `${logOrigin}/status`;
}

/**
 * The hub's status-statement signer (§2.7). It is the witness key under its own name: signed-note key IDs
 * hash the name and signature type, and a statement's text starts with its own header line, so a statement can
 * never pass for a cosignature or a checkpoint. A separate `status-signer` profile (§4.3) is left for later.
 * Undefined without a witness key (a province).
 */
export function statusNoteSigner(node: CaNode, logOrigin: string): NoteSigner | undefined {
  const key = nodeKey(node, 'witness');
  return key ? sm2NoteSigner(statusSignerName(logOrigin), key.privateKey) : undefined;
}

/** The status-statement vkey of a witness public key (the trust list's `statusSigner.vkey`). */
export function statusVerifierKeyOf(publicKey: Uint8Array, logOrigin: string): string {
  return formatVerifierKey(statusSignerName(logOrigin), NOTE_SIGTYPE, publicKey);
}
