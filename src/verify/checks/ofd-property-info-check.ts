import { dirOf, normaliseLoc } from '../../ofd/loc.js';
import type { OfdSignatureXml } from '../../ofd/ofd-signatures.js';
import type { SesSignature } from '../../seal/ses-types.js';
import type { Check } from '../report.js';
import { emit } from './messages.js';

// The 'property-info' check (GB/T 38540 §7.2, TBS_Sign.propertyInfo): an OFD seal signature names the
// Signature.xml it protects. Informative only — dataHash = SM3(Signature.xml) is what binds — so another name
// is a warning (some producers write a relative path or a description).

export function propertyInfoCheck(sig: OfdSignatureXml, ses: SesSignature | null, isSes: boolean): Check {
  if (!isSes) return emit('property-info', 'skipped', 'NOT_APPLICABLE', undefined);
  if (!ses)
    return emit('property-info', 'skipped', 'NOT_RUN', {
      why: { zh: '签名值无法解析', en: 'the signed value cannot be decoded' },
    });
  const propertyInfo = ses.propertyInfo;
  const n = normaliseLoc(propertyInfo, dirOf(sig.path));
  const details = { propertyInfo, signatureXml: '/' + sig.path };
  return 'path' in n && n.path === sig.path
    ? emit('property-info', 'passed', 'PROPERTY_INFO_MATCH', { propertyInfo }, details)
    : emit('property-info', 'warning', 'PROPERTY_INFO_OTHER', { propertyInfo, path: sig.path }, details);
}
