// A federation node's keys: its key ceremony (`sealtrust ca init`, non-interactive) and the verifier keys
// `sealtrust ca vkeys` prints, which the other nodes are configured with.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultLogOrigin } from '../../config.js';
import { readNodeLogCertificates } from '../../service/ca/ca-node.js';
import {
  logVerifierKeyOf,
  witnessName,
  witnessVerifierKeyOf,
  statusSignerName,
  statusVerifierKeyOf,
} from '../../service/federation/node-log-keys.js';
import { caConfigFor } from './federation-nodes.js';
import { runSealtrust } from './node-process.js';

export interface NodeVkeys {
  nodeId: string;
  origin: string;
  logVkey: string;
  witnessName: string;
  witnessVkey: string | null;
  /** The hub's status-statement key: its witness key under `<origin>/status` (federation.md §2.7). */
  statusName: string;
  statusVkey: string | null;
}

/**
 * `sealtrust ca init --config <dir>/ca-<id>.json --out <dir>/keys-<id>` as a separate process, the passphrase
 * from SEALTRUST_CA_PASSPHRASE (no prompt). Returns the keys directory.
 */
export async function keyCeremony(
  dir: string,
  nodeId: string,
  o: { publicUrl: string; passphrase: string; label?: string },
): Promise<string> {
  const config = join(dir, `ca-${nodeId}.json`);
  writeFileSync(config, JSON.stringify(caConfigFor(nodeId, o.label), null, 2));
  const out = join(dir, `keys-${nodeId}`);
  const r = await runSealtrust(
    ['ca', 'init', '--config', config, '--out', out, '--public-url', o.publicUrl],
    {
      SEALTRUST_CA_PASSPHRASE: o.passphrase,
    },
  );
  if (r.code !== 0) throw new Error(`sealtrust ca init (${nodeId}) failed: ${r.stderr.trim()}`);
  return out;
}

/**
 * What `sealtrust ca vkeys --json` prints for a node, computed by the functions it runs (public keys from the
 * certificates, no passphrase). In-process because each CLI start costs seconds of CPU.
 */
export function readVkeys(keysDir: string, nodeId: string): NodeVkeys {
  const certs = readNodeLogCertificates(keysDir);
  const origin = defaultLogOrigin(nodeId);
  const name = witnessName(origin);
  if (!certs.logSigner) throw new Error(`${keysDir} has no log signer`);
  return {
    nodeId,
    origin,
    logVkey: logVerifierKeyOf(certs.logSigner.publicKey, origin),
    witnessName: name,
    witnessVkey: certs.witness ? witnessVerifierKeyOf(certs.witness.publicKey, name) : null,
    statusName: statusSignerName(origin),
    statusVkey: certs.witness ? statusVerifierKeyOf(certs.witness.publicKey, origin) : null,
  };
}
