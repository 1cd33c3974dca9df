import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Services } from '../service/services.js';
import { createApp } from './app.js';

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  /** Stops accepting, lets in-flight requests finish, then closes the database. */
  shutdown(): Promise<void>;
}

export async function startServer(opts: {
  /** Closed last on shutdown: the composition that opened it (the CLI) hands it over, unseen otherwise. */
  database: { close(): Promise<void> };
  services: Services;
  logger: Logger;
  port: number;
  host: string;
  publicUrl: string | ((port: number) => string);
  bodyLimitBytes: number;
  trustProxyHops?: number | undefined;
  uploadSlots?: number | undefined;
}): Promise<RunningServer> {
  let publicUrl = typeof opts.publicUrl === 'string' ? opts.publicUrl : '';
  const app = createApp({
    services: opts.services,
    logger: opts.logger,
    get publicUrl() {
      return publicUrl;
    },
    bodyLimitBytes: opts.bodyLimitBytes,
    trustProxyHops: opts.trustProxyHops,
    uploadSlots: opts.uploadSlots,
  });
  await opts.services.init();
  const handle = app.callback();
  // Koa settles each request's errors itself (ctx.onerror answers them), so its promise never rejects.
  const server = createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 120_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  opts.services.start();
  if (typeof opts.publicUrl === 'function') publicUrl = opts.publicUrl(port);
  let closing: Promise<void> | undefined;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    shutdown: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Idle keep-alive sockets would hold close() open; in-flight requests are left to finish.
          server.closeIdleConnections();
        });
        await opts.services.stop();
        await opts.database.close();
      })()),
  };
}
