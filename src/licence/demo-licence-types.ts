// The four demonstration licence types (catalogue entries matching templates/*.json), with sample face data,
// holders and issuing agencies, for the demo seeding and the tests. All people, companies and numbers are
// invented; every code passes its check (citizen IDs GB 11643, USCCs GB 32100).
import { buildLicenceIdentifier } from './licence-identifier.js';
import type { LicenceMetadata } from './licence-metadata.js';
import type { LicenceTypeDefinition } from './licence-type.js';

/** 住房和城乡建设部 */
const MOHURD = {
  name: '中华人民共和国住房和城乡建设部',
  code: '11100000000013338W',
  level: 'national' as const,
};
/** 自然资源部 */
const MNR = { name: '中华人民共和国自然资源部', code: '11100000MB03271699', level: 'national' as const };

/**
 * 营业执照 has no published type code; a deployment configures one. This development value is a check-valid
 * USCC (91110000MA01DEM07T) plus a 3-digit sequence.
 */
export const DEV_BUSINESS_LICENCE_TYPE_CODE = '91110000MA01DEM07T001';

export const CONSTRUCTION_ENGINEER_2: LicenceTypeDefinition = {
  code: '11100000000013338W001',
  name: '二级建造师注册证书',
  authority: MOHURD,
  holderCategory: 'person',
  validity: { maxYears: 3, longTermAllowed: false },
  templateId: 'construction-engineer-2',
  fields: [
    { key: 'gender', label: '性别', type: 'text', required: true, maxLength: 2 },
    { key: 'birthDate', label: '出生日期', type: 'date', required: true, maxLength: 10 },
    { key: 'employer', label: '聘用企业', type: 'text', required: true, maxLength: 60 },
    { key: 'specialty', label: '注册专业', type: 'text', required: true, maxLength: 40 },
    { key: 'qualificationNumber', label: '资格证书编号', type: 'text', required: true, maxLength: 30 },
    { key: 'sealValidTo', label: '执业印章有效期', type: 'date', required: false, maxLength: 10 },
  ],
  serviceItem: { name: '二级建造师执业资格注册', code: '000116001000' },
};

export const REAL_ESTATE_TITLE: LicenceTypeDefinition = {
  code: '11100000MB03271699001',
  name: '不动产权证书',
  authority: MNR,
  holderCategory: 'mixed',
  validity: { maxYears: null, longTermAllowed: true },
  templateId: 'real-estate-title',
  fields: [
    { key: 'shareStatus', label: '共有情况', type: 'text', required: true, maxLength: 20 },
    { key: 'location', label: '坐落', type: 'text', required: true, maxLength: 80 },
    { key: 'unitNumber', label: '不动产单元号', type: 'text', required: true, maxLength: 32 },
    { key: 'rightType', label: '权利类型', type: 'text', required: true, maxLength: 40 },
    { key: 'rightNature', label: '权利性质', type: 'text', required: true, maxLength: 30 },
    { key: 'usage', label: '用途', type: 'text', required: true, maxLength: 30 },
    { key: 'area', label: '面积', type: 'text', required: true, maxLength: 60 },
    { key: 'landTerm', label: '使用期限', type: 'text', required: true, maxLength: 60 },
    { key: 'otherStatus', label: '权利其他状况', type: 'multiline', required: false, maxLength: 300 },
    { key: 'remarks', label: '附记', type: 'multiline', required: false, maxLength: 200 },
  ],
  serviceItem: { name: '国有建设用地使用权及房屋所有权首次登记', code: '000173003000' },
};

export const BUSINESS_LICENCE: LicenceTypeDefinition = {
  code: DEV_BUSINESS_LICENCE_TYPE_CODE,
  name: '营业执照',
  authority: { name: '国家市场监督管理总局', code: '91110000MA01DEM07T', level: 'national' },
  holderCategory: 'legal-entity',
  validity: { maxYears: null, longTermAllowed: true },
  templateId: 'business-licence',
  fields: [
    { key: 'entityType', label: '类型', type: 'text', required: true, maxLength: 40 },
    { key: 'legalRepresentative', label: '法定代表人', type: 'text', required: true, maxLength: 30 },
    { key: 'businessScope', label: '经营范围', type: 'multiline', required: true, maxLength: 600 },
    { key: 'registeredCapital', label: '注册资本', type: 'text', required: true, maxLength: 30 },
    { key: 'establishedDate', label: '成立日期', type: 'date', required: true, maxLength: 10 },
    { key: 'address', label: '住所', type: 'text', required: true, maxLength: 80 },
  ],
  serviceItem: { name: '企业设立登记', code: '000109001000' },
};

export const SAFETY_MANAGER: LicenceTypeDefinition = {
  code: '11100000000013338W011',
  name: '建筑施工企业安全生产管理人员考核合格证书',
  authority: MOHURD,
  holderCategory: 'person',
  validity: { maxYears: 3, longTermAllowed: false },
  templateId: 'safety-manager',
  fields: [
    { key: 'gender', label: '性别', type: 'text', required: true, maxLength: 2 },
    { key: 'birthDate', label: '出生年月', type: 'date', required: true, maxLength: 10 },
    { key: 'employer', label: '企业名称', type: 'text', required: true, maxLength: 60 },
    { key: 'jobTitle', label: '职务', type: 'text', required: true, maxLength: 20 },
    { key: 'category', label: '类别', type: 'text', required: true, maxLength: 30 },
  ],
  serviceItem: { name: '建筑施工企业安全生产管理人员考核', code: '000116005000' },
};

export const DEMO_LICENCE_TYPES: readonly LicenceTypeDefinition[] = [
  CONSTRUCTION_ENGINEER_2,
  REAL_ESTATE_TITLE,
  BUSINESS_LICENCE,
  SAFETY_MANAGER,
];

/** Sample face data (照面信息) per type code. */
export const DEMO_FACE_DATA: Readonly<Record<string, Record<string, string>>> = {
  [CONSTRUCTION_ENGINEER_2.code]: {
    gender: '男',
    birthDate: '1985-06-12',
    employer: '江苏锦华建设集团有限公司',
    specialty: '建筑工程、市政公用工程',
    qualificationNumber: '0032200100112345',
    sealValidTo: '2027-03-14',
  },
  [REAL_ESTATE_TITLE.code]: {
    shareStatus: '单独所有',
    location: '南京市建邺区江东中路188号翠湖苑3幢2单元1502室',
    unitNumber: '320105006003GB00123F00010015',
    rightType: '国有建设用地使用权/房屋所有权',
    rightNature: '出让/市场化商品房',
    usage: '城镇住宅用地/住宅',
    area: '共有宗地面积52341.20㎡/房屋建筑面积128.56㎡',
    landTerm: '国有建设用地使用权 2010年06月30日起2080年06月29日止',
    otherStatus:
      '专有建筑面积：112.35㎡，分摊建筑面积：16.21㎡\n房屋结构：钢筋混凝土结构\n房屋总层数：32层，所在层数：15层\n房屋竣工时间：2013年',
    remarks: '该房屋附有地下车位一个，另行登记。',
  },
  [BUSINESS_LICENCE.code]: {
    entityType: '有限责任公司（自然人投资或控股）',
    legalRepresentative: '李文博',
    businessScope:
      '一般项目：技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；软件开发；信息系统集成服务；' +
      '信息技术咨询服务；数据处理和存储支持服务；计算机系统服务；网络与信息安全软件开发；人工智能应用软件开发；' +
      '电子产品销售；计算机软硬件及辅助设备零售；办公设备销售；会议及展览服务；企业管理咨询；' +
      '市场营销策划；广告设计、代理；广告制作；广告发布（非广播电台、电视台、报刊出版单位）；' +
      '货物进出口；技术进出口。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）' +
      '许可项目：第二类增值电信业务；互联网信息服务。（依法须经批准的项目，经相关部门批准后方可开展经营活动，' +
      '具体经营项目以相关部门批准文件或许可证件为准）',
    registeredCapital: '壹仟万元整',
    establishedDate: '2015-06-01',
    address: '南京市雨花台区软件大道101号华为路创新园A栋12层1208室',
  },
  [SAFETY_MANAGER.code]: {
    gender: '女',
    birthDate: '1992-01-05',
    employer: '浙江恒泰建设工程有限公司',
    jobTitle: '安全员',
    category: '专职安全生产管理人员（综合类）',
  },
};

export interface DemoHolder {
  name: string;
  code: string;
  /** 持证主体代码类型代码: 111 居民身份证, 001 统一社会信用代码. */
  codeType: string;
}

/** A sample holder per type code. */
export const DEMO_HOLDERS: Readonly<Record<string, DemoHolder>> = {
  [CONSTRUCTION_ENGINEER_2.code]: { name: '王建国', code: '32010219850612123X', codeType: '111' },
  [REAL_ESTATE_TITLE.code]: { name: '张晓梅', code: '110105198803152171', codeType: '111' },
  [BUSINESS_LICENCE.code]: { name: '南京云栖信息科技有限公司', code: '91320114MA1XK7Y2XE', codeType: '001' },
  [SAFETY_MANAGER.code]: { name: '陈静怡', code: '330106199201052175', codeType: '111' },
};

export interface DemoIssuer {
  name: string;
  /** The agency's USCC (证照颁发机构代码). */
  code: string;
  /** GB/T 2260 area code of its jurisdiction. */
  regionCode: string;
}

/** A sample issuing agency per type code (invented USCCs that pass the check). */
export const DEMO_ISSUERS: Readonly<Record<string, DemoIssuer>> = {
  [CONSTRUCTION_ENGINEER_2.code]: {
    name: '江苏省住房和城乡建设厅',
    code: '113200000140007148',
    regionCode: '320000',
  },
  [REAL_ESTATE_TITLE.code]: {
    name: '南京市不动产登记中心',
    code: '123201004660012325',
    regionCode: '320100',
  },
  [BUSINESS_LICENCE.code]: {
    name: '南京市雨花台区市场监督管理局',
    code: '1132011401398765X4',
    regionCode: '320114',
  },
  [SAFETY_MANAGER.code]: { name: '浙江省住房和城乡建设厅', code: '11330000002501677U', regionCode: '330000' },
};

/** A printed licence number (证照编号) in each type's usual style. */
const DEMO_NUMBERS: Readonly<Record<string, string>> = {
  [CONSTRUCTION_ENGINEER_2.code]: '苏232202400123',
  [REAL_ESTATE_TITLE.code]: '苏（2024）南京市不动产权第0012345号',
  [BUSINESS_LICENCE.code]: '320114000202403150012',
  [SAFETY_MANAGER.code]: '浙建安C3（2024）0012345',
};

/** Complete sample metadata for a demo type (tests, previews); `overrides` replace members. */
export function demoLicenceMetadata(
  typeCode: string,
  overrides: Partial<LicenceMetadata> = {},
): LicenceMetadata {
  const type = DEMO_LICENCE_TYPES.find((t) => t.code === typeCode);
  const holder = DEMO_HOLDERS[typeCode];
  const issuer = DEMO_ISSUERS[typeCode];
  const face = DEMO_FACE_DATA[typeCode];
  const number = DEMO_NUMBERS[typeCode];
  if (!type || !holder || !issuer || !face || !number)
    throw new RangeError(`not a demo licence type: ${typeCode}`);
  const serial = '2024000123';
  return {
    identifier: buildLicenceIdentifier({ typeCode, issuerCode: issuer.code, serial, version: 1 }),
    name: type.name,
    typeName: type.name,
    typeCode,
    number,
    issuerName: issuer.name,
    issuerCode: issuer.code,
    issueDate: '2024-03-15',
    holderName: holder.name,
    holderCode: holder.code,
    holderCodeType: holder.codeType,
    validFrom: type.validity.longTermAllowed ? (face.establishedDate ?? '2024-03-15') : '2024-03-15',
    validTo: type.validity.longTermAllowed ? null : '2027-03-14',
    regionCode: issuer.regionCode,
    version: '001',
    face: { ...face },
    ...overrides,
  };
}
