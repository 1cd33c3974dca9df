// RFC 9457 problem details. Every error the API returns is one of these, with a stable `type`.

export const PROBLEM_BASE = 'https://sealtrust.org.cn/problems/';

export interface FieldError {
  /** JSON path of the input at fault, dot-separated (`placements.0.page`), or a parameter name. */
  field: string;
  code: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  requestId?: string;
  field?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** Titles in Chinese first, as users read them, then English. */
const TITLES: Record<number, string> = {
  400: '请求格式错误 / Bad request',
  401: '未认证 / Unauthorized',
  403: '无权操作 / Forbidden',
  404: '资源不存在 / Not found',
  405: '方法不允许 / Method not allowed',
  406: '无法提供所请求的格式 / Not acceptable',
  409: '状态冲突 / Conflict',
  413: '请求体过大 / Payload too large',
  415: '不支持的媒体类型 / Unsupported media type',
  422: '输入校验失败 / Unprocessable content',
  429: '请求过多 / Too many requests',
  500: '服务器内部错误 / Internal server error',
  503: '服务不可用 / Service unavailable',
};

export class ProblemError extends Error {
  override name = 'ProblemError';
  constructor(
    readonly status: number,
    /** Stable slug appended to PROBLEM_BASE. */
    readonly slug: string,
    detail: string,
    readonly extra: {
      field?: string;
      errors?: FieldError[];
      headers?: Record<string, string>;
      extensions?: Record<string, string | number | boolean | null>;
    } = {},
  ) {
    super(detail);
  }

  toBody(requestId: string | undefined, instance: string): ProblemBody {
    const body: ProblemBody = {
      type: PROBLEM_BASE + this.slug,
      title: TITLES[this.status] ?? 'Error',
      status: this.status,
      detail: this.message,
      instance,
    };
    if (requestId) body.requestId = requestId;
    if (this.extra.field) body.field = this.extra.field;
    if (this.extra.errors) body.errors = this.extra.errors;
    // Extensions never overwrite the standard members.
    for (const [k, v] of Object.entries(this.extra.extensions ?? {})) if (!(k in body)) body[k] = v;
    return body;
  }
}

export function problemTitle(status: number): string {
  return TITLES[status] ?? 'Error';
}
