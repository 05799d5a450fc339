import { formatMultiplier, formatWorkHex, toMultiplier } from '../pow/index.js';

/** The node's JSON writer: 4-space indentation and a trailing newline. */
export function nodeJson(body: Readonly<Record<string, string>>): string {
  return `${JSON.stringify(body, null, 4)}\n`;
}

export function errorBody(message: string): string {
  return nodeJson({ error: message });
}

/** work_generate's success body, in the node's field order. */
export function workBody(root: string, work: bigint, value: bigint, base: bigint): string {
  return nodeJson({
    hash: root,
    work: formatWorkHex(work),
    difficulty: formatWorkHex(value),
    multiplier: formatMultiplier(toMultiplier(value, base)),
  });
}
