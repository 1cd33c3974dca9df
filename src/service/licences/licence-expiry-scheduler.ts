import type { Logger } from 'pino';
import type { LicenceService } from './licence-service.js';

/**
 * Applies `expire` to licences whose validity has ended: once at start, then every `intervalMs`. Runs never
 * overlap; a failed run is logged and retried at the next tick.
 */
export class LicenceExpiryScheduler {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;

  constructor(
    private readonly licences: LicenceService,
    private readonly intervalMs = 60_000,
    private readonly logger?: Logger,
  ) {}

  start(): void {
    if (this.timer) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** One run now (also what the timer does); resolves when it has finished. */
  async tick(now?: Date): Promise<number> {
    if (this.current) await this.current;
    let count = 0;
    this.current = (async () => {
      try {
        count = await this.licences.expireDue(now);
        if (count > 0) this.logger?.info({ count }, 'licences expired');
      } catch (err) {
        this.logger?.error({ err }, 'licence expiry run failed');
      }
    })();
    await this.current;
    this.current = undefined;
    return count;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.current;
  }
}
