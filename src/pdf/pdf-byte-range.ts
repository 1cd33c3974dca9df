import { PdfError } from './pdf-error.js';
import { isPdfWhitespace } from './pdf-object-scanner.js';
import { asBuffer, listRevisions, type PdfRevision } from './pdf-revisions.js';
import type { ExtractedSignature } from './pdf-signature-extraction.js';

/**
 * The /ByteRange rules of validation.md ("PDF signature attacks a verifier must catch"):
 * exactly [0 a b c]; the gap [a, b) is exactly the /Contents hex string of THIS dictionary, `<` and `>`
 * included; b + c is the end of a revision (a %%EOF boundary, with or without its end-of-line); the
 * /Contents is present, non-empty and not all zeros. Never throws.
 *
 * Codes (failed unless said otherwise):
 *   BYTE_RANGE_VALID (passed)
 *   BYTE_RANGE_MISSING          no /ByteRange, or not an array of numbers
 *   BYTE_RANGE_MALFORMED        not four non-negative integers
 *   BYTE_RANGE_NOT_FROM_START   the first range does not start at 0
 *   BYTE_RANGE_OVERLAP          the second range starts before the first ends
 *   BYTE_RANGE_OUTSIDE_FILE     the ranges run past the end of the file
 *   CONTENTS_MISSING            /Contents absent or null
 *   CONTENTS_NOT_HEX            /Contents is not a clean hex string (literal string, stray characters, odd digits)
 *   CONTENTS_EMPTY              /Contents is <>
 *   CONTENTS_ZERO               /Contents holds only zero bytes (an unsigned placeholder)
 *   CONTENTS_IN_OBJECT_STREAM   the dictionary is compressed: its /Contents has no place in the file bytes
 *   BYTE_RANGE_WRAPPED          the gap is another hex string, not this dictionary's /Contents (signature wrapping)
 *   BYTE_RANGE_GAP_TOO_LARGE    the gap holds this /Contents but also other, uncovered bytes
 *   BYTE_RANGE_GAP_MISMATCH     the gap is not this /Contents in any other way
 *   BYTE_RANGE_NOT_REVISION_END b + c is not the end of a revision
 */
export interface ByteRangeCheck {
  status: 'passed' | 'failed';
  code: string;
  /** Chinese. */
  message: string;
  messageEn: string;
  /** b + c when the ByteRange is four integers, else 0. */
  coveredRevisionEnd: number;
  /** The covered bytes reach the end of the file (only whitespace after). */
  coversWholeDocument: boolean;
}

type SigLike = Pick<
  ExtractedSignature,
  'byteRange' | 'contentsKind' | 'contents' | 'contentsClean' | 'contentsOffsets' | 'inObjectStream'
>;

/** The bytes a /ByteRange covers, concatenated; PdfError('MALFORMED') unless [0 a b c] fits the file. */
export function coveredBytes(pdf: Uint8Array, byteRange: readonly number[]): Buffer {
  return Buffer.concat(coveredRanges(pdf, byteRange));
}

/** The two ranges a /ByteRange covers, as views of the file (no copy: a 20 MB file stays one 20 MB buffer). */
export function coveredRanges(pdf: Uint8Array, byteRange: readonly number[]): [Buffer, Buffer] {
  const buf = asBuffer(pdf);
  const [s1, l1, s2, l2] = byteRange;
  const ok =
    byteRange.length === 4 &&
    byteRange.every((n) => Number.isSafeInteger(n) && n >= 0) &&
    s1! + l1! <= s2! &&
    s2! + l2! <= buf.length;
  if (!ok) throw new PdfError('MALFORMED', `ByteRange [${byteRange.join(' ')}] does not fit the file`);
  return [buf.subarray(s1!, s1! + l1!), buf.subarray(s2!, s2! + l2!)];
}

function isHexStringAt(buf: Buffer, start: number, end: number): boolean {
  if (end - start < 2 || buf[start] !== 0x3c || buf[end - 1] !== 0x3e || buf[start + 1] === 0x3c)
    return false;
  for (let i = start + 1; i < end - 1; i++) {
    const c = buf[i]!;
    const hex = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
    if (!hex && !isPdfWhitespace(c)) return false;
  }
  return true;
}

/** `knownRevisions`: listRevisions of the same bytes, when the caller has it already. */
export function checkByteRange(
  pdf: Uint8Array,
  sig: SigLike,
  knownRevisions?: PdfRevision[],
): ByteRangeCheck {
  let buf: Buffer;
  let revisions: PdfRevision[];
  try {
    buf = asBuffer(pdf);
    revisions = knownRevisions ?? listRevisions(buf);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return fail(0, false, 'BYTE_RANGE_MALFORMED', `文件无法解析：${msg}`, `the file cannot be read: ${msg}`);
  }
  const br = sig.byteRange;
  if (!br)
    return fail(
      0,
      false,
      'BYTE_RANGE_MISSING',
      '签名字典缺少 /ByteRange',
      'the signature dictionary has no /ByteRange',
    );
  if (br.length !== 4 || !br.every((n) => Number.isSafeInteger(n) && n >= 0))
    return fail(
      0,
      false,
      'BYTE_RANGE_MALFORMED',
      `/ByteRange [${br.join(' ')}] 不是四个非负整数`,
      `/ByteRange [${br.join(' ')}] is not four non-negative integers`,
    );
  const [s1, a, b, c] = br as [number, number, number, number];
  const end = b + c;
  const whole = end <= buf.length && buf.subarray(end).every((x) => isPdfWhitespace(x));
  const f = (code: string, zh: string, en: string) => fail(end, whole, code, zh, en);
  if (s1 !== 0)
    return f(
      'BYTE_RANGE_NOT_FROM_START',
      `/ByteRange 未从文件开头（0）开始，而是从 ${s1}`,
      `/ByteRange starts at ${s1}, not 0`,
    );
  if (b < a)
    return f(
      'BYTE_RANGE_OVERLAP',
      `/ByteRange 的两段重叠（${b} < ${a}）`,
      `the /ByteRange ranges overlap (${b} < ${a})`,
    );
  if (end > buf.length)
    return f(
      'BYTE_RANGE_OUTSIDE_FILE',
      `/ByteRange 超出文件末尾（${end} > ${buf.length}）`,
      `/ByteRange runs past the end of the file (${end} > ${buf.length})`,
    );
  if (sig.contentsKind === 'missing' || sig.contentsKind === 'null')
    return f('CONTENTS_MISSING', '签名字典缺少 /Contents', 'the signature dictionary has no /Contents');
  if (sig.inObjectStream || !sig.contentsOffsets)
    return f(
      'CONTENTS_IN_OBJECT_STREAM',
      '签名字典位于对象流中，/Contents 不在文件字节中',
      'the signature dictionary is in an object stream: its /Contents is not in the file bytes',
    );
  if (sig.contentsKind !== 'hex' || !sig.contentsClean)
    return f('CONTENTS_NOT_HEX', '/Contents 不是规范的十六进制字符串', '/Contents is not a clean hex string');
  if (!sig.contents || sig.contents.length === 0)
    return f('CONTENTS_EMPTY', '/Contents 为空', '/Contents is empty');
  if (sig.contents.every((x) => x === 0))
    return f(
      'CONTENTS_ZERO',
      '/Contents 全为零（未签名的占位符）',
      '/Contents is all zeros (an unsigned placeholder)',
    );
  const { start, end: cEnd } = sig.contentsOffsets;
  if (a !== start || b !== cEnd) {
    if (isHexStringAt(buf, a, b))
      return f(
        'BYTE_RANGE_WRAPPED',
        `/ByteRange 的间隙 [${a}, ${b}) 指向另一个十六进制字符串，而不是本签名字典的 /Contents [${start}, ${cEnd})`,
        `the /ByteRange gap [${a}, ${b}) is another hex string, not this dictionary's /Contents [${start}, ${cEnd})`,
      );
    if (a <= start && b >= cEnd)
      return f(
        'BYTE_RANGE_GAP_TOO_LARGE',
        `/ByteRange 的间隙 [${a}, ${b}) 除 /Contents [${start}, ${cEnd}) 外还有 ${b - a - (cEnd - start)} 字节未受保护`,
        `the /ByteRange gap [${a}, ${b}) leaves ${b - a - (cEnd - start)} bytes besides /Contents [${start}, ${cEnd}) unsigned`,
      );
    return f(
      'BYTE_RANGE_GAP_MISMATCH',
      `/ByteRange 的间隙 [${a}, ${b}) 与 /Contents [${start}, ${cEnd}) 不一致`,
      `the /ByteRange gap [${a}, ${b}) is not the /Contents value [${start}, ${cEnd})`,
    );
  }
  if (!revisions.some((r) => r.end === end || r.eofEnd === end))
    return f(
      'BYTE_RANGE_NOT_REVISION_END',
      `/ByteRange 覆盖至 ${end}，不是某一修订版本的结尾（%%EOF）`,
      `/ByteRange ends at ${end}, which is not the end of a revision (%%EOF)`,
    );
  return {
    status: 'passed',
    code: 'BYTE_RANGE_VALID',
    message: whole
      ? '/ByteRange 结构正确，覆盖整个文件（/Contents 除外）'
      : `/ByteRange 结构正确，覆盖至修订版本结尾 ${end}；其后还有增量更新`,
    messageEn: whole
      ? '/ByteRange is well formed and covers the whole file except /Contents'
      : `/ByteRange is well formed and covers the revision ending at ${end}; later incremental updates follow`,
    coveredRevisionEnd: end,
    coversWholeDocument: whole,
  };
}

function fail(end: number, whole: boolean, code: string, message: string, messageEn: string): ByteRangeCheck {
  return { status: 'failed', code, message, messageEn, coveredRevisionEnd: end, coversWholeDocument: whole };
}
