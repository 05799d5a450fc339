import { Message, NodeError } from '../errors.js';
import { allowName, isSensitive } from './actions.js';
import { nodeGet, readAsNode } from './node-reading.js';

export type ForwardVerdict =
  | { readonly forward: true; readonly action: string; readonly name: string }
  | { readonly forward: false; readonly message: string; readonly action?: string };

/**
 * Whether a body may go to the node, decided on the node's own reading of the
 * exact text that would be forwarded. A body with a key twice in one object
 * (after escapes are decoded, at any depth) is refused: the node acts on the
 * first, `JSON.parse` on the last, and nothing good needs both.
 */
export function judgeForward(raw: string, allow: ReadonlySet<string>): ForwardVerdict {
  const reading = readAsNode(raw);
  if (!reading.ok) return { forward: false, message: NodeError.UnableToParseJson };
  if (reading.duplicate !== undefined) return { forward: false, message: Message.duplicateKey(reading.duplicate) };
  const action = nodeGet(reading.tree, 'action');
  if (action === undefined) return { forward: false, message: NodeError.UnableToParseJson };
  const name = allowName(action, (key) => nodeGet(reading.tree, key));
  if (allow.has(name)) return { forward: true, action, name };
  const message = isSensitive(name) || name !== action ? Message.sensitive(name) : Message.notAllowed(name);
  return { forward: false, message, action };
}
