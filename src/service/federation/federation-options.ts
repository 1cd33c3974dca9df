// How the configuration turns into the witness and publisher options of createServices (federation.md §4.3).
// The keys come from the CA node (node-log-keys: logNoteSigner, logVerifierKey, witnessCosigner) and the tree
// from the integrator (readTlogState, the proof service); this file only decides what runs where.

import type { FederationConfig } from '../../config.js';
import type { NoteSigner } from '../../tlog/signed-note.js';
import type { TlogPublisherOptions } from './tlog-publisher.js';
import { witnessedLogsFromNodes, type WitnessOptions } from './witness-service.js';

export interface FederationKeys {
  /** The node's log-signer key for its origin; without it the node signs no checkpoints. */
  logSigner?: NoteSigner | undefined;
  logVerifierKey?: string | undefined;
  /** The log keys the current one replaced (a rotated log key, federation.md §5.4). */
  retiredLogVerifierKeys?: readonly string[] | undefined;
  /** The hub's witness key (role hub); without it /witness is not served. */
  witnessCosigner?: NoteSigner | undefined;
}

export interface IntegratedLog {
  integratedTree: TlogPublisherOptions['integratedTree'];
  consistencyProof: TlogPublisherOptions['consistencyProof'];
}

/**
 * - Every node with a log key runs the publisher. With a hub (SEALTRUST_HUB_URL and SEALTRUST_HUB_WITNESS_KEY)
 *   it publishes what the hub cosigned. A single node (no hub) has no witness policy to meet, so it keeps
 *   signing (GET /tlog/checkpoint?state=latest) but publishes only with the development switch: a node that
 *   has never been witnessed has nothing a foreign verifier should accept, and a production node always has a
 *   hub (Tessera: "If the policy cannot be satisfied then no checkpoint will be published").
 * - The hub (role hub) with a witness key witnesses config.federation.nodes.
 */
export function federationServiceOptions(
  fed: FederationConfig,
  keys: FederationKeys,
  log: IntegratedLog | undefined,
): { witness?: WitnessOptions; tlogPublishing?: Omit<TlogPublisherOptions, 'logger'> } {
  const out: { witness?: WitnessOptions; tlogPublishing?: Omit<TlogPublisherOptions, 'logger'> } = {};
  if (fed.role === 'hub' && keys.witnessCosigner) {
    out.witness = { logs: witnessedLogsFromNodes(fed.nodes), cosigner: keys.witnessCosigner };
  }
  if (keys.logSigner && keys.logVerifierKey && log) {
    const hub =
      fed.hubUrl && fed.hubWitnessKey ? { url: fed.hubUrl, witnessKey: fed.hubWitnessKey } : undefined;
    out.tlogPublishing = {
      origin: fed.logOrigin,
      logSigner: keys.logSigner,
      logVerifierKey: keys.logVerifierKey,
      retiredLogVerifierKeys: keys.retiredLogVerifierKeys,
      integratedTree: log.integratedTree,
      consistencyProof: log.consistencyProof,
      hub,
      publishUnwitnessed: fed.publishUnwitnessed,
      checkpointMs: fed.checkpointMs,
      equivocationCheckMs: fed.hubCheckMs,
    };
  }
  return out;
}
