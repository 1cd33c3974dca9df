// Small pieces shared by the CRL and OCSP judgements: reading a bag of DER items of which some may be junk, and
// verifying each item's signature once per issuer (every certificate of a chain asks again).

/** The items among `ders` that `parse` reads (null: read, but no evidence); unreadable ones are no evidence. */
export function parseEvidence<T>(ders: readonly Uint8Array[], parse: (der: Uint8Array) => T | null): T[] {
  const out: T[] = [];
  for (const der of ders) {
    try {
      const item = parse(der);
      if (item !== null) out.push(item);
    } catch {
      // not an item we can read: no evidence either way
    }
  }
  return out;
}

/** `verify(item, issuer)` remembered per item and issuer key. */
export function verifiedOnce<T extends object, I>(
  keyOf: (issuer: I) => string,
  verify: (item: T, issuer: I) => boolean,
): (item: T, issuer: I) => boolean {
  const verified = new WeakMap<T, Map<string, boolean>>();
  return (item, issuer) => {
    let byIssuer = verified.get(item);
    if (!byIssuer) verified.set(item, (byIssuer = new Map()));
    const key = keyOf(issuer);
    let ok = byIssuer.get(key);
    if (ok === undefined) byIssuer.set(key, (ok = verify(item, issuer)));
    return ok;
  };
}
