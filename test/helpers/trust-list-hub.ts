import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { sm2SignDigest } from '../../src/crypto/sm2.js';
import { encodeTrustList, type TrustList } from '../../src/trust-list/trust-list.js';
import type { TrustListDraft } from '../../src/trust-list/trust-list-draft.js';
import { signTrustList } from '../../src/trust-list/trust-list-signature.js';
import { freePort } from './free-port.js';
import type { TestCertificate } from './test-pki.js';

/** A one-node draft (province 33) for trust-list tests; `name` changes the content. */
export function testTrustListDraft(name = '浙江省'): TrustListDraft {
  return {
    historicalPeriodDays: 3650,
    operator: { nodeId: '00', name: '枢纽', uscc: '11100000000013338W', url: 'https://hub.example' },
    witnessPolicy: {
      witnesses: [
        {
          name: 'hub.example/witness',
          vkey: 'hub.example/witness+00000000+AQ',
          url: 'https://hub.example/w',
        },
      ],
      quorum: 'hub.example/witness',
    },
    nodes: [
      {
        nodeId: '33',
        kind: 'province',
        name,
        regionCode: '330000',
        status: 'active',
        statusHistory: [{ status: 'active', since: '2026-12-01T00:00:00.000Z' }],
        endpoints: { base: 'https://zj.example' },
        log: {
          origin: 'sealtrust.org.cn/33',
          hash: 'SM3',
          keys: [{ vkey: 'k', status: 'active', since: '2026-12-01T00:00:00.000Z' }],
        },
        services: [],
      },
    ],
  };
}

/**
 * A stand-in hub serving /trust/* files the test sets, over real HTTP: what it publishes goes to the history and
 * becomes current; `serve` makes any bytes current (a rollback, a forgery).
 */
export class TestTrustListHub {
  readonly files = new Map<string, Buffer>();
  #server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    const port = await freePort();
    this.#server = createServer((req, res) => {
      const body = this.files.get(req.url ?? '');
      res.writeHead(body ? 200 : 404);
      res.end(body);
    });
    await new Promise<void>((r) => this.#server!.listen(port, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${port}/trust/list.json`;
  }

  stop(): void {
    this.#server?.close();
  }

  async publish(list: TrustList, by: TestCertificate): Promise<{ bytes: Buffer; p7s: Buffer }> {
    const bytes = encodeTrustList(list);
    const p7s = await signTrustList(
      bytes,
      { certificateDer: by.der, signDigest: (e) => sm2SignDigest(by.key.privateKey, e) },
      { signingTime: new Date(list.issuedAt) },
    );
    this.files.set(`/trust/lists/${list.sequenceNumber}.json`, bytes);
    this.files.set(`/trust/lists/${list.sequenceNumber}.json.p7s`, p7s);
    this.serve(bytes, p7s);
    return { bytes, p7s };
  }

  serve(bytes: Buffer, p7s: Buffer): void {
    this.files.set('/trust/list.json', bytes);
    this.files.set('/trust/list.json.p7s', p7s);
    this.files.set('/trust/list.json.sm3', Buffer.from(createHash('sm3').update(bytes).digest('hex') + '\n'));
  }
}
