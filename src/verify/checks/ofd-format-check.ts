import type { OfdSignatureRecord, OfdSignatureXml } from '../../ofd/ofd-signatures.js';
import type { Check } from '../report.js';
import { emit, type Text } from './messages.js';

// The 'format' check of an OFD signature: the engine's own (SES or CMS structure) joined with what Signature.xml
// and its Signatures.xml record must be (GB/T 33190 §18, Signature.xsd): root Signature, SignedInfo with a
// Provider, a SignedValue that exists, Type Seal or Sign. `Type` does not choose the engine — what the signed
// value holds does (as for a PDF's /SubFilter) — so a Type that disagrees with it is only a note.

export type OfdEngine = 'ses' | 'cms' | 'sm2' | 'unknown';

export interface OfdFormatFacts {
  problems: Text[];
  notes: Text[];
}

const SM2_WITH_SM3 = '1.2.156.10197.1.501';

export function ofdFormatFacts(
  record: OfdSignatureRecord,
  sig: OfdSignatureXml,
  engine: OfdEngine,
): OfdFormatFacts {
  const problems: Text[] = [];
  const notes: Text[] = [];
  if (sig.rootName !== 'Signature')
    problems.push({
      zh: `根元素为 ${sig.rootName}，不是 Signature`,
      en: `root element ${sig.rootName}, not Signature`,
    });
  if (!sig.hasSignedInfo) problems.push({ zh: '缺少 SignedInfo', en: 'no SignedInfo' });
  if (!sig.provider?.name)
    problems.push({ zh: '缺少 Provider/@ProviderName', en: 'no Provider/@ProviderName' });
  if (!sig.signedValue) problems.push({ zh: '缺少 SignedValue', en: 'no SignedValue' });
  else if (sig.signedValue.location.status !== 'found')
    problems.push({
      zh: `签名值文件 ${sig.signedValue.loc} 不存在或路径无效`,
      en: `the signed value ${sig.signedValue.loc} is missing or its path is invalid`,
    });
  if (record.type !== 'Seal' && record.type !== 'Sign')
    problems.push({ zh: `签名类型 Type="${record.type}" 无效`, en: `invalid Type="${record.type}"` });

  if (sig.provider?.asElements)
    notes.push({ zh: 'Provider 的属性写成了子元素', en: 'Provider attributes written as child elements' });
  if (sig.signatureMethod === undefined) notes.push({ zh: '未写 SignatureMethod', en: 'no SignatureMethod' });
  else if (sig.signatureMethod.trim() !== SM2_WITH_SM3)
    notes.push({
      zh: `SignatureMethod 为 ${sig.signatureMethod.trim()}`,
      en: `SignatureMethod ${sig.signatureMethod.trim()}`,
    });
  const holds = { ses: '电子签章（SES_Signature）', cms: '数字签名（CMS）', sm2: '数字签名（SM2）' } as const;
  const holdsEn = {
    ses: 'a seal signature (SES_Signature)',
    cms: 'a digital signature (CMS)',
    sm2: 'a digital signature (SM2)',
  } as const;
  if (engine !== 'unknown' && (record.type === 'Seal') !== (engine === 'ses'))
    notes.push({
      zh: `Type="${record.type}" 与签名值的实际内容（${holds[engine]}）不符，按实际内容验证`,
      en: `Type="${record.type}" does not match what the signed value holds (${holdsEn[engine]}); validated as what it holds`,
    });
  return { problems, notes };
}

/** The report's one 'format' check: OFD problems fail it; notes turn the engine's pass into a warning. */
export function mergedFormatCheck(path: string, facts: OfdFormatFacts, inner: Check): Check {
  const innerText = { zh: inner.message, en: inner.messageEn };
  if (facts.problems.length)
    return emit('format', 'failed', 'OFD_SIGNATURE_INVALID', {
      path: '/' + path,
      problems: inner.status === 'failed' ? [...facts.problems, innerText] : facts.problems,
    });
  if (inner.status === 'passed' && facts.notes.length)
    return emit(
      'format',
      'warning',
      'OFD_FORMAT_NOTES',
      { inner: innerText, notes: facts.notes },
      inner.details,
    );
  return inner;
}
