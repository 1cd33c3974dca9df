import { sm3Hex } from '../../crypto/sm3.js';
import type { CertificateInfo } from '../../pki/certificate.js';
import { parseTrustListNode, type ServiceType, type TrustListNode } from '../../trust-list/trust-list.js';
import type { CaNode } from '../ca/ca-node.js';
import { logVerifierKey, retiredLogVerifierKeys } from './node-log-keys.js';

// What a node submits to the hub for the national trust list (federation.md §2.8 "nodes"): its CA certificates,
// OCSP responder, TSA and seal-making system, its log key and origin, its endpoints. The node builds it from its
// own keys so no operator copies certificates by hand; hub admins review it and PUT it into the draft.

export interface NodeTrustEntryInput {
  nodeId: string;
  kind: 'province' | 'hub' | 'ministry';
  /** 节点名称, e.g. 浙江省. */
  name: string;
  /** GB/T 2260 code of the node's region (six digits). */
  regionCode: string;
  /** The node's public base URL (SEALTRUST_PUBLIC_URL). */
  publicUrl: string;
  logOrigin: string;
  /** Since when the entry's services are listed (the status histories' first entry). */
  since: Date;
}

/** The node's entry; throws ServiceError `log-signer-missing` when its keys have no log signer. */
export function nodeTrustEntry(node: CaNode, input: NodeTrustEntryInput): TrustListNode {
  const since = input.since.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const base = input.publicUrl.replace(/\/+$/, '');
  const seen = new Set<string>();
  const services: TrustListNode['services'] = [];
  const add = (type: ServiceType, cert: CertificateInfo | undefined) => {
    if (!cert) return;
    const sm3 = sm3Hex(cert.der);
    if (seen.has(`${type}:${sm3}`)) return;
    seen.add(`${type}:${sm3}`);
    services.push({
      type,
      certificate: cert.der.toString('base64'),
      sm3,
      status: 'granted',
      history: [{ status: 'granted', since }],
    });
  };
  add('root-ca', node.root.cert);
  for (const ca of node.issuingCas.values()) {
    add('issuing-ca', ca.ca.cert);
    add('ocsp-responder', ca.ocspResponder.cert);
    add('tsa', ca.tsa?.cert);
    add('seal-maker', ca.sealMaker?.cert);
  }
  const logKey = logVerifierKey(node, input.logOrigin);
  const logCert = [...node.issuingCas.values()].find((c) => c.logSigner)?.logSigner?.cert;
  // A rotated log key (federation.md §5.4): the replaced keys are listed withdrawn from their retirement, so
  // checkpoints they signed and the hub cosigned before then stay evidence; the current key is active since.
  const retired = retiredLogVerifierKeys(node, input.logOrigin).map((r) => ({
    vkey: r.vkey,
    status: 'withdrawn' as const,
    since: r.retiredAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  }));
  return parseTrustListNode({
    nodeId: input.nodeId,
    kind: input.kind,
    name: input.name,
    regionCode: input.regionCode,
    status: 'active',
    statusHistory: [{ status: 'active', since }],
    endpoints: { base, tlog: `${base}/tlog/`, ocsp: `${base}/ocsp`, tsa: `${base}/tsa` },
    log: {
      origin: input.logOrigin,
      hash: 'SM3',
      keys: [
        ...retired,
        {
          vkey: logKey,
          ...(logCert ? { certificate: logCert.der.toString('base64') } : {}),
          status: 'active',
          since: retired.at(-1)?.since ?? since,
        },
      ],
    },
    services,
  });
}
