import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { ProblemError } from './problem.js';
import { BodyTooLargeError } from './raw-body.js';

/**
 * multipart/form-data bodies (RFC 7578) read with busboy: one file part and a few named text parts, each
 * bounded while streaming, so an oversized upload is refused (413) as soon as it passes the limit rather
 * than after it has been buffered. Unknown or repeated parts are refused by name.
 */
export interface MultipartSpec {
  /** The one file part: its field name and size limit. */
  file: { name: string; limitBytes: number; tooLargeDetail?: string };
  /** The text parts accepted (each at most `fieldLimitBytes`). */
  fields: string[];
  fieldLimitBytes?: number;
}

export interface MultipartFile {
  data: Buffer;
  filename: string;
  mimeType: string;
}

export interface MultipartBody {
  file: MultipartFile;
  fields: Record<string, string>;
}

const DEFAULT_FIELD_LIMIT = 256 * 1024;
/** Room for part headers and boundaries on top of the parts' own limits. */
const OVERHEAD_BYTES = 64 * 1024;

const missing = (name: string, what: string) =>
  new ProblemError(
    422,
    'missing-field',
    `缺少表单字段 ${name}（${what}）/ the multipart field "${name}" is missing`,
    { field: name },
  );

/**
 * Reads the body. @throws ProblemError: 413 over a limit, 422 for a missing, unknown or repeated part
 * (field named), 400 for a body that is not well-formed multipart.
 */
export function readMultipart(req: IncomingMessage, spec: MultipartSpec): Promise<MultipartBody> {
  const fieldLimit = spec.fieldLimitBytes ?? DEFAULT_FIELD_LIMIT;
  const totalLimit = spec.file.limitBytes + spec.fields.length * fieldLimit + OVERHEAD_BYTES;
  const fileTooLarge = () =>
    new BodyTooLargeError(
      spec.file.limitBytes,
      spec.file.tooLargeDetail ??
        `文件超过 ${spec.file.limitBytes} 字节上限 / the file is over the ${spec.file.limitBytes}-byte limit`,
    );
  if (Number(req.headers['content-length'] ?? 0) > totalLimit) return Promise.reject(fileTooLarge());

  return new Promise<MultipartBody>((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        limits: {
          files: 1,
          fileSize: spec.file.limitBytes,
          fields: spec.fields.length,
          fieldSize: fieldLimit,
          // busboy signals partsLimit on reaching it: one more than the parts expected means an extra part.
          parts: spec.fields.length + 2,
        },
      });
    } catch (err) {
      reject(
        new ProblemError(
          400,
          'malformed-multipart',
          `multipart 请求头无效 / invalid multipart Content-Type (${(err as Error).message})`,
        ),
      );
      return;
    }
    let settled = false;
    let seen = 0;
    let file: MultipartFile | undefined;
    const fields: Record<string, string> = {};

    const fail = (err: ProblemError) => {
      if (settled) return;
      settled = true;
      req.unpipe(bb);
      // Drain the rest of a body within the overall bound, so the answer reaches a client still sending;
      // past the bound nothing more is read (the 413 closes the connection).
      if (seen <= totalLimit) req.resume();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > totalLimit) {
        req.off('data', onData);
        if (!settled) fail(fileTooLarge());
        req.pause();
      }
    };
    req.on('data', onData);
    req.on('error', () =>
      fail(new ProblemError(400, 'malformed-multipart', '请求体读取中断 / the body was cut off')),
    );

    const unexpected = (name: string) =>
      fail(
        new ProblemError(
          422,
          'unknown-field',
          `未知或重复的表单字段 ${name} / unexpected multipart field "${name}"`,
          {
            field: name,
          },
        ),
      );

    bb.on('file', (name, stream, info) => {
      if (name !== spec.file.name || file || settled) {
        stream.resume();
        unexpected(name);
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => fail(fileTooLarge()));
      stream.on('end', () => {
        if (settled) return;
        file = { data: Buffer.concat(chunks), filename: info.filename ?? '', mimeType: info.mimeType };
      });
    });
    bb.on('field', (name, value, info) => {
      if (settled) return;
      if (!spec.fields.includes(name) || name in fields) return unexpected(name);
      if (info.valueTruncated)
        return fail(
          new ProblemError(
            413,
            'payload-too-large',
            `表单字段 ${name} 超过 ${fieldLimit} 字节 / field "${name}" is over ${fieldLimit} bytes`,
            {
              field: name,
              headers: { Connection: 'close' },
            },
          ),
        );
      fields[name] = value;
    });
    const tooMany = () =>
      fail(new ProblemError(422, 'too-many-parts', '表单字段过多 / too many multipart parts'));
    bb.on('filesLimit', tooMany);
    bb.on('fieldsLimit', tooMany);
    bb.on('partsLimit', tooMany);
    bb.on('error', (err) =>
      fail(
        new ProblemError(
          400,
          'malformed-multipart',
          `multipart 请求体格式错误 / malformed multipart body (${(err as Error).message})`,
        ),
      ),
    );
    bb.on('close', () => {
      if (settled) return;
      if (!file) return fail(missing(spec.file.name, '文件 / file'));
      for (const name of spec.fields) if (!(name in fields)) return fail(missing(name, '文本 / text'));
      settled = true;
      req.off('data', onData);
      resolve({ file, fields });
    });
    req.pipe(bb);
  });
}
