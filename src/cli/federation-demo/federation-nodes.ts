// The nodes of a local federation (federation.md §5.1), in one place for the federation demo
// (`sealtrust demo --federation`) and the multi-node test harness: node ids and roles, the small CA config each
// node's key ceremony runs on, and a valid USCC for the organisations it names.
import { provinceName } from '../../licence/region-code.js';
import { organizationCodeCheckCharacter, usccCheckCharacter } from '../../licence/uscc.js';

export type NodeRole = 'node' | 'hub';

/** SEALTRUST_NODE_ID of the national hub. */
export const HUB_NODE_ID = '00';
/** The provinces the demo starts: 33 浙江 and 44 广东. */
export const DEMO_PROVINCES: readonly string[] = ['33', '44'];
/** The provinces the test harness starts by default: also 51 四川. */
export const HARNESS_PROVINCES: readonly string[] = ['33', '44', '51'];

export function nodeRole(nodeId: string): NodeRole {
  return nodeId === HUB_NODE_ID ? 'hub' : 'node';
}

/** A valid USCC: category `cat` (2 chars), region (6 digits), an organization code built from `serial`. */
export function exampleUscc(cat: string, region: string, serial: number): string {
  const body8 = `MB${String(serial).padStart(6, '0')}`;
  const first17 = `${cat}${region}${body8}${organizationCodeCheckCharacter(body8)}`;
  return first17 + usccCheckCharacter(first17);
}

/** The province's name (the hub sits in Beijing). */
export function nodeProvinceName(nodeId: string): string {
  return nodeId === HUB_NODE_ID ? '北京市' : (provinceName(nodeId) ?? nodeId);
}

/** The node's administrative division code (GB/T 2260): `<province>0000`, `100000` for the hub. */
export function nodeRegionCode(nodeId: string): string {
  return nodeId === HUB_NODE_ID ? '100000' : `${nodeId}0000`;
}

/** The trust-service centre operating the node, e.g. 浙江省信任服务中心（演示）. */
export function nodeOperatorName(nodeId: string, label: string): string {
  return nodeRole(nodeId) === 'hub'
    ? `国家枢纽信任服务中心（${label}）`
    : `${nodeProvinceName(nodeId)}信任服务中心（${label}）`;
}

/**
 * The CA config of a node's key ceremony (`sealtrust ca init --config`): root and issuing CA with OCSP, TSA and
 * seal maker, a directory-log signer everywhere, witness and trust-list signer keys on the hub, the operator named
 * as the node's trust-service centre. `label` marks what the keys are for (测试, 演示) in every subject.
 */
export function caConfigFor(nodeId: string, label = '测试'): Record<string, unknown> {
  const role = nodeRole(nodeId);
  const province = nodeProvinceName(nodeId);
  const org = nodeOperatorName(nodeId, label);
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
    operator: { name: org, uscc: exampleUscc('12', nodeRegionCode(nodeId), 1), provinceName: province },
    ...(role === 'hub' ? {} : { provinces: [nodeId] }),
  };
}
