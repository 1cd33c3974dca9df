// One SealTrust node of the multi-node harness: a `sealtrust serve` process (src/cli/federation-demo/node-process.ts,
// the one the federation demo runs) on its own PostgreSQL database, which a test can also read directly, kill -9
// and restart on the same database.
import type { Knex } from 'knex';
import { NodeProcess, type NodeProcessSpec } from '../../../src/cli/federation-demo/node-process.js';
import { connect, databaseUrl } from './fed-postgres.js';

export type { RequestInitJson } from '../../../src/cli/federation-demo/node-process.js';

export interface FedNodeSpec extends Omit<NodeProcessSpec, 'databaseUrl'> {
  /** The node's own database on the local PostgreSQL server. */
  database: string;
}

export class FedNode extends NodeProcess {
  declare readonly spec: FedNodeSpec & NodeProcessSpec;
  #db: Knex | undefined;

  constructor(spec: FedNodeSpec) {
    const full = {
      logLevel: process.env.FED_LOG_LEVEL ?? 'info',
      // Generous: two cores shared with PostgreSQL and the other nodes, each decrypting its keys at start.
      startTimeoutMs: Number(process.env.FED_START_TIMEOUT_MS ?? 120_000),
      ...spec,
      databaseUrl: databaseUrl(spec.database),
    };
    super(full);
  }

  /** A direct connection to the node's database (works while the node is down). */
  get db(): Knex {
    return (this.#db ??= connect(this.spec.database));
  }

  async close(): Promise<void> {
    await this.kill9();
    await this.#db?.destroy();
    this.#db = undefined;
    await this.closeLog();
  }
}
