import type { OfdPackage, ReachableFile } from './ofd-package.js';
import type { OfdSignatureXml } from './ofd-signatures.js';

/**
 * What one signature's References cover, set against what is reachable from OFD.xml (GM/T 0099-2020 §7: the
 * protected-file list; Annex D: "夹带文件"). Pure data for the verifier's `coverage` and `later-changes` checks,
 * which decide what an uncovered file means. A signature cannot cover its own Signature.xml and SignedValue.dat
 * (they are written after the digests, GB/T 33190 §18.1), so those are left out.
 */
export interface SignatureCoverage {
  /** Reachable files the References cover. */
  readonly covered: readonly ReachableFile[];
  /** Reachable files the References do not cover (the signature's own two files excepted). */
  readonly uncovered: readonly ReachableFile[];
  /** Covered package files that nothing reaches (stray files someone took care to sign). */
  readonly coveredStray: readonly string[];
  /** FileRefs that do not lead to a package file (missing, ambiguous, invalid). */
  readonly unresolvedReferences: readonly string[];
}

export function signatureCoverage(pkg: OfdPackage, signature: OfdSignatureXml): SignatureCoverage {
  const own = new Set<string>([signature.path]);
  if (signature.signedValue?.location.status === 'found') own.add(signature.signedValue.location.path);
  const covered: ReachableFile[] = [];
  const uncovered: ReachableFile[] = [];
  for (const f of pkg.reachable.values()) {
    if (signature.covered.has(f.path)) covered.push(f);
    else if (!own.has(f.path)) uncovered.push(f);
  }
  return {
    covered,
    uncovered,
    coveredStray: pkg.stray.filter((p) => signature.covered.has(p)),
    unresolvedReferences: signature.references
      .filter((r) => r.location.status !== 'found')
      .map((r) => r.fileRef),
  };
}
