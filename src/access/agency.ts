/** An agency (机构): a registered organisation that holds seals and issues licences. Never updated once made. */
export interface Agency {
  id: string;
  name: string;
  /** 统一社会信用代码 (GB 32100). */
  uscc: string;
  /** Six-digit region code (GB/T 2260). */
  regionCode: string;
  /** Two-digit province code (GB/T 2260): the province node the agency belongs to. */
  province: string;
  createdAt: Date;
}
