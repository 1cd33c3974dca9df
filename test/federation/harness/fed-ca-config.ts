// The harness's key-ceremony configs and USCCs: the same as the federation demo's (src/cli/federation-demo), with
// 测试 in every certificate subject.
import {
  caConfigFor as nodeCaConfig,
  exampleUscc,
} from '../../../src/cli/federation-demo/federation-nodes.js';

export { nodeProvinceName } from '../../../src/cli/federation-demo/federation-nodes.js';

/** A valid USCC: category `cat` (2 chars), region (6 digits), an organization code built from `serial`. */
export const testUscc = exampleUscc;

/** A node's CA config (the role follows from the node id: `00` is the hub). */
export function caConfigFor(nodeId: string): Record<string, unknown> {
  return nodeCaConfig(nodeId, '测试');
}
