import { formatMultiplier, formatWorkHex, toMultiplier } from '../pow/index.js';

/** The node's JSON writer: 4-space indentation and a trailing newline. */
export function nodeJson(body: Readonly<Record<string, string>>): string {
  return `${JSON.stringify(body, null, 4)}\n`;
}

export function errorBody(message: string): string {
  return nodeJson({ error: message });
}

/**
 * work_generate's success body, in the node's field order: nodeJson's exact
 * bytes, written out directly because this is every answer's body and
 * JSON.stringify with indentation cost more than the rest of a cache hit's
 * formatting (issue 12). Every value is hex digits or a decimal number, so
 * nothing needs escaping; a test holds it equal to nodeJson.
 */
export function workBody(root: string, work: bigint, value: bigint, base: bigint): string {
  return `{\n    "hash": "${root}",\n    "work": "${formatWorkHex(work)}",\n    "difficulty": "${formatWorkHex(value)}",\n    "multiplier": "${formatMultiplier(toMultiplier(value, base))}"\n}\n`;
}
