import { freePort } from './free-port.js';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../src/http/server.js';
import { loadCaNode, type CaNode } from '../../src/service/ca/ca-node.js';
import { createServices, type ServiceOptions, type Services } from '../../src/service/services.js';
import { DEV_KEYS_PASSPHRASE, loadTrustProxyHops, PROJECT_ROOT } from '../../src/config.js';
import { createTestDatabase } from './test-database.js';
import type { Database } from '../../src/store/database.js';
import type { Role } from '../../src/access/role.js';

export interface TestServer extends RunningServer {
  database: Database & { schema?: string };
  services: Services;
  node: CaNode;
  adminToken: string;
  /** Mints a token directly through the service (as the system), for tests of other roles. */
  token(role: Role, binding?: { agencyId?: string; province?: string }): Promise<string>;
  request(path: string, init?: RequestInit & { token?: string; json?: unknown }): Promise<Response>;
  /** Registers an agency through the API (as admin) and returns its id; province from the region code. */
  agency(name: string, uscc: string, regionCode: string): Promise<string>;
  stop(): Promise<void>;
}

export const DEV_KEYS_DIR = join(PROJECT_ROOT, 'keys-dev');
export const PROFILES_DIR = join(PROJECT_ROOT, 'ca', 'profiles');

/** A real service on its own port over a clean database, with the development CA, reached by real HTTP. */
export async function startTestServer(
  opts: {
    bodyLimitBytes?: number;
    trustProxyHops?: number;
    uploadSlots?: number;
    services?: Omit<ServiceOptions, 'publicUrl'>;
  } = {},
): Promise<TestServer> {
  const database = await createTestDatabase();
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const node = loadCaNode(DEV_KEYS_DIR, DEV_KEYS_PASSPHRASE, PROFILES_DIR, publicUrl);
  const services = createServices(database.knex, node, logger, { ...opts.services, publicUrl });
  const running = await startServer({
    database,
    services,
    logger,
    port,
    host: '127.0.0.1',
    publicUrl,
    bodyLimitBytes: opts.bodyLimitBytes ?? 1024 * 1024,
    // SEALTRUST_TRUST_PROXY as the service reads it, so a test world can speak from several addresses.
    trustProxyHops: opts.trustProxyHops ?? loadTrustProxyHops(),
    uploadSlots:
      opts.uploadSlots ??
      (process.env.SEALTRUST_UPLOAD_SLOTS ? Number(process.env.SEALTRUST_UPLOAD_SLOTS) : undefined),
  });
  const system = { principal: { kind: 'system' as const }, requestId: 'test-setup' };
  const token = async (role: Role, binding: { agencyId?: string; province?: string } = {}) =>
    (await services.tokens.create(system, { role, ...binding })).secret;
  const adminToken = await token('admin');
  const request = (path: string, init: RequestInit & { token?: string; json?: unknown } = {}) => {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('authorization', `Bearer ${init.token}`);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(init.json);
    }
    return fetch(running.url + path, { ...init, headers, body: body ?? null });
  };
  const agency = async (name: string, uscc: string, regionCode: string) => {
    const res = await request('/v1/agencies', {
      method: 'POST',
      token: adminToken,
      json: { name, uscc, regionCode, province: regionCode.slice(0, 2) },
    });
    const body = await res.text();
    if (res.status !== 201) throw new Error(`creating agency ${name}: ${res.status} ${body}`);
    return (JSON.parse(body) as { id: string }).id;
  };
  return {
    ...running,
    database,
    services,
    node,
    adminToken,
    token,
    request,
    agency,
    stop: async () => {
      await running.shutdown();
      await database.drop();
    },
  };
}
