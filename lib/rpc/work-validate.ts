import { BadRequestError, NodeError } from '../errors.js';
import { formatMultiplier, formatWorkHex, hexToBytes, parseWorkHex, toMultiplier, workValue } from '../pow/index.js';
import { nodeJson } from './format.js';
import type { WorkLimits } from './limits.js';
import { has, type RpcBody, scalar } from './scalars.js';
import { parseDifficulty, parseHash, parseMultiplier, parseVersion } from './work-generate.js';

/**
 * work_validate as the node answers it: `valid` only when a difficulty or
 * multiplier was sent, `valid_all` against base, `valid_receive` against the
 * epoch-2 receive threshold. No range check. A missing `work` reads as 0.
 */
export function workValidate(body: RpcBody, limits: WorkLimits): string {
  const root = parseHash(body);
  const workText = scalar(body, 'work');
  let work = 0n;
  if (workText !== undefined) {
    const parsed = parseWorkHex(workText);
    if (parsed === undefined) throw new BadRequestError(NodeError.BadWork);
    work = parsed;
  }
  parseVersion(body);
  const { base, epoch2Receive } = limits.network;
  let target = parseDifficulty(body, base);
  target = parseMultiplier(body, base) ?? target;
  const value = workValue(hexToBytes(root), work);
  const response: Record<string, string> = {};
  if (has(body, 'difficulty') || has(body, 'multiplier')) response.valid = value >= target ? '1' : '0';
  response.valid_all = value >= base ? '1' : '0';
  response.valid_receive = value >= epoch2Receive ? '1' : '0';
  response.difficulty = formatWorkHex(value);
  response.multiplier = formatMultiplier(toMultiplier(value, base));
  return nodeJson(response);
}
