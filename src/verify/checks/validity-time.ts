import type { CertificateInfo } from '../../pki/certificate.js';
import type { Check } from '../report.js';
import { iso } from '../report-summaries.js';
import { emit, type Text } from './messages.js';

// The 'validity-time' check: the time model for validity windows (EN 319 102-1 §5.2.8 and §5.6.2.3). The
// signing time to judge is what the signer claims (or, failing that, a timestamp's genTime). Within every
// window at that time, and either the window is still open now or a proof of existence (`best`) predates its
// end: passed. Outside a window: failed (EXPIRED / NOT_YET_VALID). Inside, but the window has closed by now
// and nothing proves the signature was made before it closed: INDETERMINATE (OUT_OF_BOUNDS_NO_POE), since the
// signer could have backdated the claim after losing the key or seal.

export interface Window {
  zh: string;
  en: string;
  start: Date | null;
  end: Date | null;
}

export function certWindow(zh: string, en: string, c: CertificateInfo | null): Window | null {
  return c ? { zh, en, start: c.notBefore, end: c.notAfter } : null;
}

/** `t` (the signing time to judge) within every window; see the module comment. */
export function validityCheck(
  windows: Window[],
  t: Date | null,
  best: Date | null,
  now: Date,
  tLabel: Text,
): Check {
  if (!t) return emit('validity-time', 'indeterminate', 'SIGNING_TIME_UNKNOWN', undefined);
  const failures: (Text & { code: 'EXPIRED' | 'NOT_YET_VALID' })[] = [];
  const noPoe: Text[] = [];
  const ok: Text[] = [];
  const ts = t.toISOString();
  for (const w of windows) {
    if (!w.start || !w.end) {
      noPoe.push({ zh: `${w.zh}的有效期无法读取`, en: `the ${w.en} validity period is unreadable` });
      continue;
    }
    const range = `${w.start.toISOString()} – ${w.end.toISOString()}`;
    if (t < w.start || (best && best < w.start)) {
      failures.push({
        code: 'NOT_YET_VALID',
        zh: `${tLabel.zh} ${ts} 早于${w.zh}的有效期起始（${range}）`,
        en: `${tLabel.en} ${ts} is before the ${w.en} validity period (${range})`,
      });
    } else if (t > w.end) {
      failures.push({
        code: 'EXPIRED',
        zh: `${tLabel.zh} ${ts} 晚于${w.zh}的有效期截止（${range}）`,
        en: `${tLabel.en} ${ts} is after the end of the ${w.en} validity period (${range})`,
      });
    } else if (w.end < now && !(best && best <= w.end)) {
      noPoe.push({
        zh: `${w.zh}已于 ${w.end.toISOString()} 到期；签名时间 ${ts} 仅为签章者声明，没有时间戳证明签章早于到期`,
        en: `the ${w.en} validity ended ${w.end.toISOString()}; the signing time ${ts} is only claimed, no timestamp proves the signature predates the end`,
      });
    } else {
      ok.push({ zh: w.zh, en: w.en });
    }
  }
  const details = { time: ts, proofOfExistence: iso(best) };
  if (failures.length)
    return emit('validity-time', 'failed', failures[0]!.code, { parts: [...failures, ...noPoe] }, details);
  if (noPoe.length) {
    const code = windows.every((w) => w.start && w.end) ? 'OUT_OF_BOUNDS_NO_POE' : 'VALIDITY_UNKNOWN';
    return emit('validity-time', 'indeterminate', code, { parts: noPoe }, details);
  }
  return emit('validity-time', 'passed', 'WITHIN_VALIDITY', { time: tLabel, at: ts, windows: ok }, details);
}
