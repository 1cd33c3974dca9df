import type { OfdPackage } from '../../ofd/ofd-package.js';
import type { OfdSignatureXml } from '../../ofd/ofd-signatures.js';
import type { SesSignature } from '../../seal/ses-types.js';
import type { Check } from '../report.js';
import { emit } from './messages.js';

// The 'seal-file' check (GM/T 0099-2020 §7.2.1): when Signature.xml names a Seal.esl, it is the seal inside the
// signature byte for byte — compared with the eseal TLV exactly as signed, never re-encoded (ofdrw re-encodes,
// which turns producer variations into false failures). Tax producers ship no Seal.esl: not applicable.

export function sealFileCheck(
  pkg: OfdPackage,
  sig: OfdSignatureXml,
  ses: SesSignature | null,
  engine: 'ses' | 'other' | 'undecodable',
): Check {
  if (!sig.seal) return emit('seal-file', 'skipped', 'NO_SEAL_FILE', undefined);
  if (sig.seal.location.status !== 'found')
    return emit('seal-file', 'failed', 'SEAL_FILE_MISSING', { loc: sig.seal.loc });
  const path = '/' + sig.seal.location.path;
  if (engine === 'other') return emit('seal-file', 'skipped', 'NOT_APPLICABLE', undefined, { path });
  if (!ses)
    return emit('seal-file', 'skipped', 'NOT_RUN', {
      why: { zh: '签名值无法解析', en: 'the signed value cannot be decoded' },
    });
  const file = pkg.file(sig.seal.location.path)!;
  return Buffer.from(file).equals(ses.sealDer)
    ? emit('seal-file', 'passed', 'SEAL_FILE_MATCH', { path }, { path })
    : emit('seal-file', 'failed', 'SEAL_FILE_MISMATCH', { path }, { path });
}
