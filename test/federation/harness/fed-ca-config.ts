// Small CA configs for the harness's key ceremonies (`sealtrust ca init --config`): one per node, the hub with
// witness and trust-list signer keys, every node with a log signer, the operator named as its trust-service centre.
import { organizationCodeCheckCharacter, usccCheckCharacter } from '../../../src/licence/uscc.js';
import { provinceName } from '../../../src/licence/region-code.js';

/** A valid USCC: category `cat` (2 chars), region (6 digits), an organization code built from `serial`. */
export function testUscc(cat: string, region: string, serial: number): string {
  const body8 = `MB${String(serial).padStart(6, '0')}`;
  const first17 = `${cat}${region}${body8}${organizationCodeCheckCharacter(body8)}`;
  return first17 + usccCheckCharacter(first17);
}

export function nodeProvinceName(nodeId: string): string {
  return nodeId === '00' ? '北京市' : (provinceName(nodeId) ?? nodeId);
}

export function caConfigFor(nodeId: string, role: 'node' | 'hub'): Record<string, unknown> {
  const province = nodeProvinceName(nodeId);
  const region = nodeId === '00' ? '100000' : `${nodeId}0000`;
  const org = role === 'hub' ? '国家枢纽信任服务中心（测试）' : `${province}信任服务中心（测试）`;
  const name = (cn: string) => ({ C: 'CN', ST: province, O: org, CN: cn });
  return {
    node: `fed-${nodeId}`,
    root: { id: `n${nodeId}-root`, subject: name(`${org} 根CA`), validityYears: 10 },
    issuingCas: [
      {
        id: `n${nodeId}-ca`,
        subject: name(`${org} 签发CA`),
        validityYears: 5,
        policies: ['2.25.331378933073741540232787376587029394141.1'],
        ocspResponder: { subject: name(`${org} OCSP`), validityDays: 1825 },
        tsa: {
          subject: name(`${org} TSA`),
          validityDays: 1825,
          policy: '2.25.331378933073741540232787376587029394141.3.1',
        },
        sealMaker: { subject: name(`${org} 电子印章制作系统`), validityDays: 1825 },
        logSigner: {},
        ...(role === 'hub' ? { witness: {}, trustListSigner: {} } : {}),
      },
    ],
    operator: { name: org, uscc: testUscc('12', region, 1), provinceName: province },
    ...(role === 'hub' ? {} : { provinces: [nodeId] }),
  };
}
