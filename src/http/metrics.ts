import type { Middleware } from 'koa';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Per-app registry (not prom-client's global one) so several apps can live in one test process. */
export class HttpMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'sealtrust_' });
    this.requests = new Counter({
      name: 'sealtrust_http_requests_total',
      help: 'HTTP requests by route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'sealtrust_http_request_duration_seconds',
      help: 'HTTP request latency by route template',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
  }

  /**
   * sealtrust_fed_alerts_total{kind} (federation.md §5.4): read from the alerts table at each scrape. Alerts are
   * never deleted, so the count only grows, survives restarts and agrees across hub processes.
   */
  countFedAlerts(count: () => Promise<Map<string, number>>): void {
    new Counter({
      name: 'sealtrust_fed_alerts_total',
      help: 'Federation alerts raised by the hub, by kind',
      labelNames: ['kind'],
      registers: [this.registry],
      async collect() {
        // A scrape must not fail because the database is away: the counter then reports nothing this time.
        const counts = await count().catch(() => new Map<string, number>());
        this.reset();
        for (const [kind, n] of counts) this.inc({ kind }, n);
      },
    });
  }

  /** sealtrust_trust_list_alerts_total{kind} (federation.md §2.8 rule 6): this process's, since it started. */
  countTrustListAlerts(count: () => Map<string, number>): void {
    new Counter({
      name: 'sealtrust_trust_list_alerts_total',
      help: 'Trust list alerts raised by this node since it started, by kind',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [kind, n] of count()) this.inc({ kind }, n);
      },
    });
  }

  /**
   * sealtrust_trust_list_log_key_alerts{kind} (hub): published log keys whose certificate is invalid, expiring or
   * revoked by its node, as the service last counted them (at most a minute old); no series while there are none.
   */
  logKeyAlerts(count: () => Promise<Map<string, number>>): void {
    new Gauge({
      name: 'sealtrust_trust_list_log_key_alerts',
      help: 'Published log keys the hub has a standing alert on, by kind',
      labelNames: ['kind'],
      registers: [this.registry],
      async collect() {
        const counts = await count().catch(() => new Map<string, number>());
        this.reset();
        for (const [kind, n] of counts) this.set({ kind }, n);
      },
    });
  }

  /**
   * sealtrust_trust_list_expired (federation.md §5.4 "stale trust list"): 1 while the list this node relies on is
   * past its next update (other nodes' licences are then INDETERMINATE), 0 while it is valid; absent without one.
   */
  trustListExpired(freshness: () => Promise<'valid' | 'expired' | 'none'>): void {
    new Gauge({
      name: 'sealtrust_trust_list_expired',
      help: '1 while the trust list in force is past its next update',
      registers: [this.registry],
      async collect() {
        const state = await freshness().catch(() => 'none' as const);
        this.reset();
        if (state !== 'none') this.set(state === 'expired' ? 1 : 0);
      },
    });
  }

  /**
   * sealtrust_trust_list_signer_expiration_timestamp_seconds (hub): when its trust-list signer certificate
   * expires, for an alert well before (federation.md §2.8 rule 6); absent where there is no signer.
   */
  trustListSignerExpiry(notAfter: () => Date | undefined): void {
    new Gauge({
      name: 'sealtrust_trust_list_signer_expiration_timestamp_seconds',
      help: "Expiry of the hub's trust-list signer certificate, seconds since the epoch",
      registers: [this.registry],
      collect() {
        this.reset();
        const at = notAfter();
        if (at) this.set(Math.floor(at.getTime() / 1000));
      },
    });
  }

  middleware(): Middleware {
    return async (ctx, next) => {
      const start = process.hrtime.bigint();
      try {
        await next();
      } finally {
        // The route template, never the raw path: serials and ids would explode the label set.
        const route = (ctx as unknown as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        this.requests.inc({ method: ctx.method, route, status: String(ctx.status) });
        this.duration.observe({ method: ctx.method, route }, seconds);
      }
    };
  }
}
