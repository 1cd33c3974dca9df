// A licence type as the catalogue (证照目录, GB/T 36902) defines it: code, authority, holder category,
// validity range, template and face fields (照面信息). Shared by the catalogue service, the template
// renderer and issuance validation.

/** How a face value is checked and laid out. */
export type FaceFieldType = 'text' | 'multiline' | 'date' | 'number';

export interface FaceField {
  /** Key in the issuance request's `fields` and in licence.json, e.g. `registrationNumber`. */
  key: string;
  /** Label printed on the licence and shown in forms, Chinese, e.g. 注册编号. */
  label: string;
  type: FaceFieldType;
  required: boolean;
  /** Characters; the template's box may be stricter (too long for its box is also a 422). */
  maxLength: number;
}

/** 持证主体类别: 1 person, 2 legal entity, 3 mixed, 4 other. */
export const HOLDER_CATEGORIES = ['person', 'legal-entity', 'mixed', 'other'] as const;
export type HolderCategory = (typeof HOLDER_CATEGORIES)[number];

/** 颁证机构层级 / defining authority level. */
export const AUTHORITY_LEVELS = ['national', 'provincial', 'prefecture', 'county', 'township'] as const;
export type AuthorityLevel = (typeof AUTHORITY_LEVELS)[number];

export interface LicenceTypeDefinition {
  /** 证照类型代码: defining authority USCC (18) + 3 digits. */
  code: string;
  /** 证照类型名称, e.g. 二级建造师注册证书. */
  name: string;
  /** 定义机构 */
  authority: { name: string; code: string; level: AuthorityLevel };
  holderCategory: HolderCategory;
  /** Validity range: the longest validity in years; null = may be long-term (长期, no validTo). */
  validity: { maxYears: number | null; longTermAllowed: boolean };
  /** File name (without .json) under templates/. */
  templateId: string;
  fields: FaceField[];
  /** 关联事项 (optional): the service item this licence results from. */
  serviceItem?: { name: string; code: string } | undefined;
}
