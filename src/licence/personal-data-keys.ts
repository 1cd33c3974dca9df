// How a holder's personal data is bound to its record when encrypted, and what its search index hashes. Every
// writer and reader must agree exactly: a ciphertext opens only under the context it was sealed with, and a search
// finds only what was indexed from the same input.

/** The encryption context of a licence's holder code (持证主体代码) at its issuing node. */
export function licenceHolderCodeContext(identifier: string): string {
  return `licence:${identifier}:holder-code`;
}

/** The encryption context of one field of a side record the hub keeps for node `nodeId`'s leaf `idx`. */
export function nationalRecordContext(
  nodeId: string,
  idx: number,
  field: 'holder-name' | 'holder-code' | 'number',
): string {
  return `national:${nodeId}:${idx}:${field}`;
}

/** What the national holder index hashes (federation.md §4.2): codeType ‖ ':' ‖ code. */
export function nationalHolderIndexInput(codeType: string, code: string): string {
  return `${codeType}:${code}`;
}
