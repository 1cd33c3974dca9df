// Lenient readers for the time values found in real SES files (internal to src/seal/ses-*). They never throw:
// null means "not a readable time".

function build(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
  offsetMinutes: number,
): Date | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // unlike Date.UTC, keeps years 0..99 as written
  date.setUTCHours(h, mi, Math.min(s, 59), ms); // a leap second reads as :59
  // Reject day overflow (e.g. 31 February) instead of letting Date roll it over.
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  const t = date.getTime() - offsetMinutes * 60_000;
  return Number.isFinite(t) ? new Date(t) : null;
}

/** Zone suffix: 'Z', '+hhmm', '-hhmm' or none (read as UTC). */
function zone(text: string): { body: string; offset: number } | null {
  if (text.endsWith('Z')) return { body: text.slice(0, -1), offset: 0 };
  const m = /^(.*)([+-])(\d{2})(\d{2})$/.exec(text);
  if (m) {
    const offset = (Number(m[3]) * 60 + Number(m[4])) * (m[2] === '-' ? -1 : 1);
    return Number(m[3]) > 23 || Number(m[4]) > 59 ? null : { body: m[1]!, offset };
  }
  return { body: text, offset: 0 };
}

function fraction(f: string | undefined): number {
  if (!f) return 0;
  return Math.floor(Number(`0.${f}`) * 1000);
}

/** GeneralizedTime content: YYYYMMDDhh[mm[ss]][.fff][Z|±hhmm]. */
export function parseGeneralizedTime(text: string): Date | null {
  const z = zone(text);
  if (!z) return null;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(?:[.,](\d{1,9}))?$/.exec(z.body);
  if (!m) return null;
  return build(
    Number(m[1]),
    Number(m[2]),
    Number(m[3]),
    Number(m[4]),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
    fraction(m[7]),
    z.offset,
  );
}

/** UTCTime content: YYMMDDhhmm[ss][Z|±hhmm], YY ≥ 50 meaning 19YY (RFC 5280). */
export function parseUtcTime(text: string): Date | null {
  const z = zone(text);
  if (!z) return null;
  const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?$/.exec(z.body);
  if (!m) return null;
  const yy = Number(m[1]);
  return build(
    yy >= 50 ? 1900 + yy : 2000 + yy,
    Number(m[2]),
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6] ?? 0),
    0,
    z.offset,
  );
}

/**
 * A free-text time as v1 producers put in timeInfo: ISO 8601 ("2020-01-25T07:31:56.377Z", "2020-01-25
 * 07:31:56", with or without zone; no zone is read as UTC), or the GeneralizedTime / UTCTime digit forms.
 */
export function parseTimeText(raw: string): Date | null {
  const text = raw.replace(/\0+$/, '').trim();
  if (text.length === 0 || text.length > 64) return null;
  const iso =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(
      text,
    );
  if (iso) {
    let offset = 0;
    const zs = iso[8];
    if (zs && zs !== 'Z') {
      const digits = zs.replace(':', '');
      offset = (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))) * (digits[0] === '-' ? -1 : 1);
    }
    return build(
      Number(iso[1]),
      Number(iso[2]),
      Number(iso[3]),
      Number(iso[4] ?? 0),
      Number(iso[5] ?? 0),
      Number(iso[6] ?? 0),
      fraction(iso[7]),
      offset,
    );
  }
  if (/^\d{14}/.test(text)) return parseGeneralizedTime(text);
  if (/^\d{12}(?:Z|[+-]\d{4})?$/.test(text)) return parseUtcTime(text);
  return null;
}
