// The hub's status statements (federation.md §2.7): a signed note saying which event of the issuing node's log
// is the latest for a licence (or a seal) up to a tree size the hub cosigned. An inclusion proof alone proves
// that an event was logged, not that no later one exists; the statement is the hub's signed word for that,
// auditable by anyone who mirrors the log. Seals have the same statement under their own header, so that a hub
// cannot hide a seal's revocation either, nor pass one statement off as the other.

import { isValidOrigin } from './checkpoint.js';
import { hasControlCharacter } from './control-characters.js';
import { decodeStrictBase64, encodeBase64 } from './strict-base64.js';
import { TlogError } from './tlog-error.js';

export const LICENCE_STATUS_HEADER = 'sealtrust.org.cn/licence-status@v1';
export const SEAL_STATUS_HEADER = 'sealtrust.org.cn/seal-status@v1';
export type StatusStatementHeader = typeof LICENCE_STATUS_HEADER | typeof SEAL_STATUS_HEADER;

export interface StatusStatement {
  /** The licence identifier, or the seal's esID. */
  readonly identifier: string;
  /** The status after the latest event (`valid`, `suspended`, `revoked`, …). */
  readonly status: string;
  /** Index of the latest event leaf for the identifier in the issuing node's log. */
  readonly index: number;
  readonly origin: string;
  /** The tree size the statement is based on, and its root. */
  readonly size: number;
  readonly rootHash: Uint8Array;
  /** Hub time, POSIX seconds. */
  readonly time: number;
}

const NUMBER = /^(?:0|[1-9][0-9]*)$/;
const TOKEN = /^[0-9A-Za-z.\-_:]{1,256}$/;

function bad(why: string): TlogError {
  return new TlogError('MALFORMED_NOTE', `状态声明格式错误 / malformed status statement: ${why}`);
}

function number(line: string, what: string): number {
  if (!NUMBER.test(line)) throw bad(`${what} must be decimal without leading zeros`);
  const n = Number(line);
  if (!Number.isSafeInteger(n)) throw bad(`${what} too large`);
  return n;
}

/** The note text (ending in "\n") of a statement; refuses values that could not be read back the same. */
export function formatStatusStatement(header: StatusStatementHeader, s: StatusStatement): string {
  const text =
    [
      header,
      s.identifier,
      s.status,
      String(s.index),
      s.origin,
      String(s.size),
      encodeBase64(s.rootHash),
      String(s.time),
    ].join('\n') + '\n';
  const back = parseStatusStatement(header, text, s.rootHash.length);
  if (back.index !== s.index || back.size !== s.size || back.time !== s.time)
    throw bad('numbers out of range');
  return text;
}

/** Parses statement text under `header` strictly (one spelling per statement). Verifies nothing. */
export function parseStatusStatement(
  header: StatusStatementHeader,
  text: string,
  hashSize = 32,
): StatusStatement {
  if (typeof text !== 'string' || !text.endsWith('\n')) throw bad('text must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length !== 8) throw bad('needs exactly eight lines');
  const [first, identifier, status, index, origin, size, root, time] = lines as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (first !== header) throw bad('wrong header');
  if (!TOKEN.test(identifier) || hasControlCharacter(identifier)) throw bad('invalid identifier');
  if (!/^[a-z][a-z-]{0,31}$/.test(status)) throw bad('invalid status');
  if (!isValidOrigin(origin)) throw bad('invalid origin');
  const rootHash = decodeStrictBase64(root);
  if (rootHash === undefined || rootHash.length !== hashSize)
    throw bad(`root hash must be canonical base64 of ${hashSize} bytes`);
  const s = {
    identifier,
    status,
    index: number(index, 'index'),
    origin,
    size: number(size, 'tree size'),
    rootHash,
    time: number(time, 'time'),
  };
  if (s.index >= s.size) throw bad('the event index must be inside the tree');
  return s;
}

export const formatLicenceStatusStatement = (s: StatusStatement): string =>
  formatStatusStatement(LICENCE_STATUS_HEADER, s);
export const parseLicenceStatusStatement = (text: string, hashSize = 32): StatusStatement =>
  parseStatusStatement(LICENCE_STATUS_HEADER, text, hashSize);
