import { BadRequestError, NodeError } from '../errors.js';
import { decodeAccount, fromMultiplier, hexToBytes, meetsTarget, parseBlock, parseRootHex, parseWorkHex } from '../pow/index.js';
import type { WorkLimits } from './limits.js';
import { bool, has, parseDouble, type RpcBody, scalar } from './scalars.js';

export interface WorkGenerateRequest {
  readonly root: string;
  readonly target: bigint;
  readonly account?: string;
}

/**
 * work_generate as nano-node's json_handler parses it, in its order: account,
 * version, hash, difficulty, multiplier (overrides difficulty), range check,
 * then the optional block. The first failing check names the error.
 */
export function parseWorkGenerate(body: RpcBody, limits: WorkLimits): WorkGenerateRequest {
  const accountText = scalar(body, 'account');
  if (accountText !== undefined && decodeAccount(accountText, limits.network.prefixes) === undefined) {
    throw new BadRequestError(NodeError.BadAccount);
  }
  parseVersion(body);
  const root = parseHash(body);
  let target = parseDifficulty(body, limits.defaultDifficulty);
  target = parseMultiplier(body, limits.network.base) ?? target;
  if (target > limits.maxTarget || target < limits.network.entry) {
    throw new BadRequestError(NodeError.DifficultyLimit);
  }
  if (has(body, 'block')) {
    const block = readBlock(body, limits);
    if (block.root !== root) throw new BadRequestError(NodeError.RootMismatch);
    // Without difficulty or multiplier the node asks its ledger; with no
    // ledger here the target stays at the default, as the node falls back.
    if (meetsTarget(hexToBytes(root), block.work, target)) throw new BadRequestError(NodeError.WorkAlreadyEnough);
  }
  return { root, target, ...(accountText === undefined ? {} : { account: accountText }) };
}

export function parseHash(body: RpcBody): string {
  const text = scalar(body, 'hash');
  if (text === undefined) throw new BadRequestError(NodeError.UnableToParseJson);
  const root = parseRootHex(text);
  if (root === undefined) throw new BadRequestError(NodeError.InvalidBlockHash);
  return root;
}

export function parseVersion(body: RpcBody): void {
  const version = scalar(body, 'version');
  if (version !== undefined && version !== 'work_1') throw new BadRequestError(NodeError.BadWorkVersion);
}

export function parseDifficulty(body: RpcBody, fallback: bigint): bigint {
  const text = scalar(body, 'difficulty');
  if (text === undefined) return fallback;
  const value = parseWorkHex(text);
  if (value === undefined) throw new BadRequestError(NodeError.BadDifficulty);
  return value;
}

export function parseMultiplier(body: RpcBody, base: bigint): bigint | undefined {
  const text = scalar(body, 'multiplier');
  if (text === undefined) return undefined;
  const multiplier = parseDouble(text);
  if (multiplier === undefined || !(multiplier > 0)) throw new BadRequestError(NodeError.BadMultiplier);
  return fromMultiplier(multiplier, base);
}

function readBlock(body: RpcBody, limits: WorkLimits) {
  const jsonBlock = bool(body, 'json_block', false);
  if (jsonBlock === undefined) throw new BadRequestError(NodeError.UnableToParseJson);
  let raw: unknown = body.block;
  if (!jsonBlock) {
    const text = scalar(body, 'block') ?? '';
    try {
      raw = JSON.parse(text);
    } catch {
      throw new BadRequestError(NodeError.BlockInvalid);
    }
  }
  const block = parseBlock(asNodeText(raw), limits.network.prefixes);
  if (block === undefined) throw new BadRequestError(NodeError.BlockInvalid);
  return block;
}

/** The node reads a block's JSON numbers and booleans as their text, as it does every scalar. */
function asNodeText(value: unknown): unknown {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(asNodeText);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asNodeText(v)]));
}
