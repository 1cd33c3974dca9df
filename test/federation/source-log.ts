// A node's directory log for replication tests: real leaves (the product's encoder, RFC 8785), real SM3 hashing,
// real SM2-signed checkpoints, served over real HTTP by a small Koa app at the paths of federation.md §2.6/§3.1
// and the side channel of §3.4. Faults (an altered byte, a rewritten suffix, a lying side record) are switches.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import Koa from 'koa';

import { generateSm2KeyPair } from '../../src/crypto/sm2.js';
import { encodeDirectoryLeaf, type DirectoryEvent } from '../../src/tlog/directory-leaf.js';
import { encodeEntryBundle } from '../../src/tlog/entry-bundle.js';
import { generateConsistencyProof } from '../../src/tlog/consistency-proof.js';
import { formatCheckpoint } from '../../src/tlog/checkpoint.js';
import { LeafHashTree } from '../../src/tlog/leaf-hash-tree.js';
import { SM3_MERKLE_HASHER } from '../../src/tlog/merkle-hasher.js';
import { merkleTreeRootFromLeafHashes } from '../../src/tlog/merkle-tree-root.js';
import { signNote } from '../../src/tlog/signed-note.js';
import { openCheckpoint } from '../../src/tlog/signed-checkpoint.js';
import {
  NOTE_SIGTYPE,
  formatVerifierKey,
  sm2NoteSigner,
  sm2NoteVerifier,
} from '../../src/tlog/sm2-note-key.js';
import { encodeBase64 } from '../../src/tlog/strict-base64.js';
import { parseTilePath } from '../../src/tlog/tiles.js';
import type { IndexRecord } from '../../src/service/federation/log-source.js';
import type { WitnessedTree } from '../../src/service/federation/replicator.js';

const H = SM3_MERKLE_HASHER;

export interface SideData {
  identifier: string;
  holder: { name: string; code: string; codeType: string };
  number: string;
  typeName: string;
  issuerName: string;
}

export class SourceLog {
  readonly leaves: Buffer[] = [];
  readonly side = new Map<number, SideData>();
  readonly origin: string;
  readonly vkey: string;
  private readonly signer;
  private readonly publicKey: Uint8Array;

  get publicKeyBytes(): Uint8Array {
    return this.publicKey;
  }
  /** Faults: bytes served for an index differ from the logged leaf. */
  readonly alterServed = new Map<number, (leaf: Buffer) => Buffer>();
  /** Faults: the side record of an index is rewritten before it is served. */
  readonly alterSide = new Map<number, (r: IndexRecord) => IndexRecord>();
  sideDown = false;
  proofsServed = 0;
  /** Anything else the node answers (e.g. the licence reads a hub relays); false: 404. */
  other: ((ctx: Koa.Context) => Promise<boolean>) | undefined;
  private server: Server | undefined;
  url = '';

  constructor(
    readonly nodeId: string,
    readonly tileHeight: number,
  ) {
    this.origin = `sealtrust.test/${nodeId}`;
    const { privateKey, publicKey } = generateSm2KeyPair();
    this.signer = sm2NoteSigner(this.origin, privateKey);
    this.publicKey = publicKey;
    this.vkey = formatVerifierKey(this.origin, NOTE_SIGTYPE, publicKey);
  }

  append(event: DirectoryEvent, side?: SideData): number {
    const idx = this.leaves.length;
    this.leaves.push(encodeDirectoryLeaf(this.nodeId, event).bytes);
    if (side) this.side.set(idx, side);
    return idx;
  }

  /** Truncates to `size` (a fork when followed by appends). */
  truncate(size: number): void {
    this.leaves.length = size;
    this.hashCache.length = Math.min(this.hashCache.length, size);
    this.treeCache = undefined;
    this.bundleCache.clear();
    for (const k of [...this.side.keys()]) if (k >= size) this.side.delete(k);
  }

  // Leaf hashes and the last proof tree are cached, so a 200,000-entry source (bench) answers proofs quickly.
  private hashCache: Uint8Array[] = [];
  private treeCache: LeafHashTree | undefined;
  private readonly bundleCache = new Map<string, Buffer>();

  hashes(size = this.leaves.length): Uint8Array[] {
    for (let i = this.hashCache.length; i < this.leaves.length; i++)
      this.hashCache.push(H.hashLeaf(this.leaves[i] as Buffer));
    return this.hashCache.slice(0, size);
  }

  private tree(size: number): LeafHashTree {
    if (this.treeCache?.size !== size) this.treeCache = new LeafHashTree(H, this.hashes(size));
    return this.treeCache;
  }

  root(size = this.leaves.length): Uint8Array {
    return merkleTreeRootFromLeafHashes(H, this.hashes(size));
  }

  /** A signed checkpoint of the first `size` leaves. */
  checkpoint(size = this.leaves.length): string {
    const text = formatCheckpoint({ origin: this.origin, size, rootHash: this.root(size), extensions: [] });
    return signNote(text, [this.signer]);
  }

  /**
   * What the hub's witness would hold: the checkpoint opened and its SM2 signature verified with the node's key
   * (main's parseVerifierKey still splits a vkey at every '+', fixed on other branches, so the key is used directly).
   */
  witnessed(note: string): WitnessedTree {
    const opened = openCheckpoint(note, this.origin, [sm2NoteVerifier(this.origin, this.publicKey)]);
    return { size: opened.checkpoint.size, root: opened.checkpoint.rootHash, checkpoint: note };
  }

  async listen(): Promise<string> {
    const app = new Koa();
    const width = 2 ** this.tileHeight;
    app.use(async (ctx) => {
      if (ctx.path.startsWith('/tlog/tile/entries/')) {
        const p = parseTilePath(ctx.path.slice('/tlog/'.length), this.tileHeight);
        if (p.kind !== 'entries' || p.index * width + p.width > this.leaves.length) {
          ctx.status = 404;
          return;
        }
        const leaves = this.leaves.slice(p.index * width, p.index * width + p.width).map((l, i) => {
          const f = this.alterServed.get(p.index * width + i);
          return f ? f(Buffer.from(l)) : l;
        });
        // Stored gzipped, as a static file server would hold it, with the header set; full bundles are
        // immutable and cached (§2.6), unless a fault alters them.
        const key = `${p.index}/${p.width}`;
        const cacheable = p.width === width && this.alterServed.size === 0;
        let body = cacheable ? this.bundleCache.get(key) : undefined;
        if (!body) {
          body = gzipSync(encodeEntryBundle(leaves), { level: 1 });
          if (cacheable) this.bundleCache.set(key, body);
        }
        ctx.set('Content-Encoding', 'gzip');
        ctx.type = 'application/octet-stream';
        ctx.body = body;
        return;
      }
      if (ctx.path === '/v1/tlog/proofs/consistency') {
        const from = Number(ctx.query.from);
        const to = Number(ctx.query.to);
        if (!(from >= 1 && from <= to && to <= this.leaves.length)) {
          ctx.status = 400;
          return;
        }
        this.proofsServed++;
        const tree = this.tree(to);
        ctx.body = {
          origin: this.origin,
          from,
          to,
          hashes: generateConsistencyProof(H, tree, from, to).map(encodeBase64),
        };
        return;
      }
      if (ctx.path === '/v1/federation/index-records') {
        if (this.sideDown || ctx.get('authorization') !== 'Bearer hub-token') {
          ctx.status = this.sideDown ? 503 : 403;
          return;
        }
        const start = Number(ctx.query.start);
        const end = Number(ctx.query.end);
        const lines: string[] = [];
        for (let i = start; i < Math.min(end, this.leaves.length); i++) {
          const s = this.side.get(i);
          if (!s) continue;
          let r: IndexRecord = {
            index: i,
            leafHash: encodeBase64(H.hashLeaf(this.leaves[i] as Buffer)),
            ...s,
          };
          const f = this.alterSide.get(i);
          if (f) r = f(r);
          lines.push(JSON.stringify(r));
        }
        ctx.type = 'application/x-ndjson';
        ctx.body = lines.map((l) => `${l}\n`).join('');
        return;
      }
      if (this.other && (await this.other(ctx))) return;
      ctx.status = 404;
    });
    const handler = app.callback();
    this.server = createServer((req, res) => void handler(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

let serial = 0;

/** Directory events a province emits: agencies, a seal, licences with lifecycle events, renewals and copies. */
export function seedDirectory(log: SourceLog, licences: number): { identifiers: string[] } {
  const at = () => new Date(Date.UTC(2026, 11, 1) + log.leaves.length * 1000);
  const usccs = [`11${log.nodeId}0000MA0000001X`, `11${log.nodeId}0000MA0000002Y`];
  for (const [i, uscc] of usccs.entries())
    log.append({
      kind: 'agency',
      op: 'register',
      subject: uscc,
      at: at(),
      body: { agency: { uscc, name: `测试机构${i}`, region: `${log.nodeId}0100` } },
    });
  const esID = `${log.nodeId}01000000${String(++serial).padStart(5, '0')}`;
  const seal = {
    esID,
    agency: usccs[0],
    type: '01',
    status: 'active',
    validFrom: '2026-01-01T00:00:00.000Z',
    validTo: '2030-01-01T00:00:00.000Z',
    maker: '0A0B',
    signers: ['0C0D'],
  };
  log.append({
    kind: 'seal',
    op: 'make',
    subject: esID,
    at: at(),
    body: { seal: { ...seal, sm3: 'ab'.repeat(32) } },
  });
  const identifiers: string[] = [];
  const licence = (
    id: string,
    issuer: string,
    version: number,
    status: string,
    prev: string | null,
    related: string | null,
    file: boolean,
  ) => {
    const l: Record<string, unknown> = {
      id,
      type: '11100000000013338W001',
      issuer,
      version,
      status,
      prev,
      related,
    };
    if (file) {
      l.issueDate = '2026-12-01';
      l.validFrom = '2026-12-01';
      l.validTo = null;
      l.files = [
        { format: 'pdf', sm3: 'cd'.repeat(32), bytes: 48213 },
        { format: 'ofd', sm3: 'ef'.repeat(32), bytes: 39120 },
      ];
      l.seal = { esID, signer: '0C0D', signature: 'ses' };
    }
    return { licence: l };
  };
  const sideOf = (id: string, i: number): SideData => ({
    identifier: id,
    holder: {
      name: `持证人${i}`,
      code: `33010219900101${String(1000 + (i % 9000)).slice(0, 4)}`,
      codeType: '111',
    },
    number: `No.${i}`,
    typeName: '测试证照',
    issuerName: '测试机构',
  });
  for (let i = 0; i < licences; i++) {
    const issuer = usccs[i % 2] as string;
    const id = `1.2.156.3005.2.11100000000013338W001.${issuer}.${log.nodeId}${String(i).padStart(9, '0')}.001.F`;
    identifiers.push(id);
    log.append(
      {
        kind: 'licence',
        op: 'issue',
        subject: id,
        at: at(),
        body: licence(id, issuer, 1, 'valid', null, null, true),
      },
      sideOf(id, i),
    );
    if (i % 5 === 1) {
      log.append({
        kind: 'licence',
        op: 'suspend',
        subject: id,
        at: at(),
        body: licence(id, issuer, 1, 'suspended', 'valid', null, false),
      });
      log.append({
        kind: 'licence',
        op: 'resume',
        subject: id,
        at: at(),
        body: licence(id, issuer, 1, 'valid', 'suspended', null, false),
      });
    }
    if (i % 7 === 2) {
      const next = id.replace('.001.F', '.002.F');
      identifiers.push(next);
      log.append(
        {
          kind: 'licence',
          op: 'renew',
          subject: next,
          at: at(),
          body: licence(next, issuer, 2, 'valid', null, id, true),
        },
        sideOf(next, i),
      );
      log.append({
        kind: 'licence',
        op: 'renew',
        subject: id,
        at: at(),
        body: licence(id, issuer, 1, 'superseded', 'valid', next, false),
      });
    }
    if (i % 11 === 3 && i % 7 !== 2)
      log.append({
        kind: 'licence',
        op: 'revoke',
        subject: id,
        at: at(),
        body: licence(id, issuer, 1, 'revoked', 'valid', null, false),
      });
    if (i % 13 === 4)
      log.append({
        kind: 'licence-copy',
        op: 'make',
        subject: id,
        at: at(),
        body: {
          licence: { id },
          copy: {
            files: [{ format: 'pdf', sm3: 'ef'.repeat(32), bytes: 1000 }],
            madeAt: at().toISOString(),
            expiresAt: at().toISOString(),
          },
        },
      });
  }
  return { identifiers };
}
