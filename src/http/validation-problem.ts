import type { ZodError } from 'zod';
import { ProblemError, type FieldError } from './problem.js';

/** Every zod issue as a field error; unknown keys are listed one by one so each is named. */
export function zodToFieldErrors(err: ZodError, prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of err.issues) {
    const base = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({
          field: base ? `${base}.${key}` : key,
          code: 'unknown-field',
          message: `未知字段 / unknown field "${key}"`,
        });
      }
    } else {
      out.push({ field: base || '(body)', code: issue.code, message: issue.message });
    }
  }
  return out;
}

export function validationProblem(err: ZodError, prefix = ''): ProblemError {
  const errors = zodToFieldErrors(err, prefix);
  return new ProblemError(422, 'validation-failed', '请求字段校验失败 / request fields are invalid', {
    ...(errors[0] ? { field: errors[0].field } : {}),
    errors,
  });
}
