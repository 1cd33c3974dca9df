import { tryParseCertificate } from '../pki/certificate.js';
import { validateChain } from '../pki/certificate-chain.js';
import { sealTrustProfileOf } from '../pki/sealtrust-policies.js';
import { equalBytes } from '../tlog/equal-bytes.js';
import { parseVerifierKey } from '../tlog/sm2-note-key.js';
import type { TrustListNode } from './trust-list.js';
import { EXPIRY_WARNING_MS } from './trust-list-status.js';

// A node's log key may carry its log-signer certificate (federation.md §2.8 `log.keys[].certificate`). Every
// verifier takes the key from the signed list, so the hub checks the pairing before it lists it: a certificate that
// certifies another key, comes from no CA of that node, was not valid when the key was listed, or was made for
// another purpose (a seal signer's, a CA's) would put the node's name on a key its CA never vouched for.

export type LogKeyCertificateCode =
  'CERT_UNPARSEABLE' | 'VKEY_UNPARSEABLE' | 'KEY_MISMATCH' | 'WRONG_PURPOSE' | 'CHAIN_INVALID' | 'REVOKED';

export interface LogKeyCertificateProblem {
  /** Index of the key in `log.keys`. */
  key: number;
  code: LogKeyCertificateCode;
  /** Chinese first, then English. */
  message: string;
}

function problem(key: number, code: LogKeyCertificateCode, zh: string, en: string): LogKeyCertificateProblem {
  return { key, code, message: `${zh} / ${en}` };
}

/**
 * What is wrong with the certificates of `node`'s log keys (keys without one are not judged here). An active key's
 * certificate must be valid `now`, when the hub lists it; a withdrawn key's when it was withdrawn (or when its
 * certificate expired, if that came first: its checkpoints before then still count).
 */
export function logKeyCertificateProblems(node: TrustListNode, now: Date): LogKeyCertificateProblem[] {
  const cas = (type: 'root-ca' | 'issuing-ca') =>
    node.services.flatMap((s) => {
      const c = s.type === type ? tryParseCertificate(Buffer.from(s.certificate, 'base64')) : null;
      return c ? [c] : [];
    });
  const anchors = cas('root-ca');
  const intermediates = cas('issuing-ca');
  const problems: LogKeyCertificateProblem[] = [];
  node.log.keys.forEach((k, i) => {
    if (k.certificate === undefined) return;
    const cert = tryParseCertificate(Buffer.from(k.certificate, 'base64'));
    if (!cert) {
      problems.push(
        problem(i, 'CERT_UNPARSEABLE', '日志密钥证书无法解析', 'the log key certificate cannot be parsed'),
      );
      return;
    }
    let publicKey: Uint8Array;
    try {
      publicKey = parseVerifierKey(k.vkey).publicKey;
    } catch {
      problems.push(
        problem(i, 'VKEY_UNPARSEABLE', '日志验证密钥格式无效', 'the log verifier key is malformed'),
      );
      return;
    }
    if (!equalBytes(cert.publicKey, publicKey)) {
      problems.push(
        problem(
          i,
          'KEY_MISMATCH',
          '证书所认证的公钥不是该日志密钥',
          'the certificate certifies another key than the vkey',
        ),
      );
      return;
    }
    // A SealTrust certificate names its profile by policy (ca/profiles); another issuer's names none we know.
    const profiles = cert.policies.map(sealTrustProfileOf).filter((p) => p !== null);
    if (cert.isCa || (profiles.length > 0 && !profiles.includes('log-signer'))) {
      problems.push(
        problem(
          i,
          'WRONG_PURPOSE',
          `该证书不是日志签名证书（${cert.isCa ? 'CA' : profiles.join(', ')}）`,
          `not a log-signer certificate (${cert.isCa ? 'a CA' : profiles.join(', ')})`,
        ),
      );
      return;
    }
    const at = k.status === 'active' ? now : new Date(Math.min(Date.parse(k.since), cert.notAfter.getTime()));
    const chain = validateChain(cert, { anchors, intermediates, at });
    if (chain.status !== 'passed')
      problems.push(
        problem(
          i,
          'CHAIN_INVALID',
          `证书在 ${at.toISOString()} 不能验证到该节点的 CA：${chain.message}`,
          `the certificate does not chain to this node's CAs at ${at.toISOString()}: ${chain.messageEn}`,
        ),
      );
  });
  return problems;
}

/** What the hub tells its admins about a published list's log key certificates (GET /v1/trust-list/state). */
export interface LogKeyCertificateFinding extends LogKeyCertificateProblem {
  nodeId: string;
  /** Not a problem yet, but one within the warning window (a certificate about to expire). */
  expiring: boolean;
}

/**
 * The listed nodes' log key certificates as they stand `now`, and those that will fail within the warning window:
 * the hub checks a pairing when an admin lists it, but a certificate expires later while the list goes on naming
 * the key.
 */
export function logKeyCertificateFindings(
  nodes: readonly TrustListNode[],
  now: Date,
): LogKeyCertificateFinding[] {
  return nodes.flatMap((node) => {
    const today = logKeyCertificateProblems(node, now);
    const soon = logKeyCertificateProblems(node, new Date(now.getTime() + EXPIRY_WARNING_MS));
    return [
      ...today.map((p) => ({ ...p, nodeId: node.nodeId, expiring: false })),
      ...soon
        .filter((p) => !today.some((t) => t.key === p.key))
        .map((p) => ({ ...p, nodeId: node.nodeId, expiring: true })),
    ];
  });
}

/** A certificate as its node's own directory log last reported it (§2.2 certificate leaves, mirrored at the hub). */
export interface LoggedCertificate {
  status: 'good' | 'hold' | 'revoked';
  revokedAt: Date | null;
  invalidityDate: Date | null;
  reason: string | null;
}

/** The listed log key certificates that parse: node, key index, serial as directory logs name it (upper-case hex). */
export function logKeyCertificateSerials(
  nodes: readonly TrustListNode[],
): { nodeId: string; key: number; serial: string }[] {
  return nodes.flatMap((node) =>
    node.log.keys.flatMap((k, key) => {
      const cert =
        k.certificate === undefined ? null : tryParseCertificate(Buffer.from(k.certificate, 'base64'));
      return cert ? [{ nodeId: node.nodeId, key, serial: cert.serialHex }] : [];
    }),
  );
}

/**
 * Listed log keys whose certificate the node itself has revoked or put on hold, as its own directory log says (the
 * hub mirrors it). The node's CA is the authority on its key: an active key must come off the list. A withdrawn
 * key only when the compromise (invalidity date, else revocation) came before its withdrawal: the checkpoints it
 * signed in between are in doubt; a revocation after it retired changes nothing.
 */
export function revokedLogKeyFindings(
  nodes: readonly TrustListNode[],
  logged: (nodeId: string, serial: string) => LoggedCertificate | undefined,
): LogKeyCertificateFinding[] {
  const byNode = new Map(nodes.map((n) => [n.nodeId, n]));
  return logKeyCertificateSerials(nodes).flatMap(({ nodeId, key, serial }) => {
    const c = logged(nodeId, serial);
    if (!c || c.status === 'good') return [];
    const k = byNode.get(nodeId)!.log.keys[key]!;
    const from = c.invalidityDate ?? c.revokedAt;
    if (k.status !== 'active' && (c.status === 'hold' || !from || from.getTime() >= Date.parse(k.since)))
      return [];
    const what =
      c.status === 'hold' ? ['已被该节点暂停（证书冻结）', 'put on hold'] : ['已被该节点吊销', 'revoked'];
    const when = from ? ` (${from.toISOString()})` : '';
    return [
      {
        ...problem(
          key,
          'REVOKED',
          `日志密钥证书 ${serial} ${what[0]}${when}`,
          `the log key certificate ${serial} was ${what[1]} by its node${when}${c.reason ? `: ${c.reason}` : ''}`,
        ),
        nodeId,
        expiring: false,
      },
    ];
  });
}
