// The hub's standing log key alerts as a gauge (sealtrust_trust_list_log_key_alerts{kind}): read at each scrape,
// one series per kind, none while there are none, and a scrape that survives the database being away.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpMetrics } from '../../src/http/metrics.js';

describe('sealtrust_trust_list_log_key_alerts', () => {
  it('follows the counts at each scrape', async () => {
    const metrics = new HttpMetrics();
    let counts = new Map([
      ['trust-list-log-key-certificate-revoked', 1],
      ['trust-list-log-key-certificate-expiring', 2],
    ]);
    metrics.logKeyAlerts(async () => counts);
    let text = await metrics.registry.metrics();
    assert.match(
      text,
      /^sealtrust_trust_list_log_key_alerts\{kind="trust-list-log-key-certificate-revoked"\} 1$/m,
    );
    assert.match(
      text,
      /^sealtrust_trust_list_log_key_alerts\{kind="trust-list-log-key-certificate-expiring"\} 2$/m,
    );
    counts = new Map([['trust-list-log-key-certificate-expiring', 1]]);
    text = await metrics.registry.metrics();
    assert.doesNotMatch(text, /certificate-revoked/, 'a resolved alert leaves no stale series');
    assert.match(
      text,
      /^sealtrust_trust_list_log_key_alerts\{kind="trust-list-log-key-certificate-expiring"\} 1$/m,
    );
  });

  it('reports nothing, rather than failing the scrape, when the counts cannot be read', async () => {
    const metrics = new HttpMetrics();
    metrics.logKeyAlerts(() => Promise.reject(new Error('database away')));
    const text = await metrics.registry.metrics();
    assert.match(text, /^# TYPE sealtrust_trust_list_log_key_alerts gauge$/m);
    assert.doesNotMatch(text, /^sealtrust_trust_list_log_key_alerts\{/m);
  });
});
