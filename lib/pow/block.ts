// The `block` argument of work_generate, checked the way nano-node's JSON
// block constructors (nano/lib/blocks.cpp) check it. Only the root, the
// work and the account matter here, but every field the node parses must
// parse, or the node answers "Block is invalid".
import { decodeAccount, encodeAccount } from './account.js';
import { bytesToHex, parseRootHex, parseWorkHex } from './hex.js';

export type BlockType = 'state' | 'send' | 'receive' | 'open' | 'change';

export interface ParsedBlock {
  type: BlockType;
  /** 64 upper-case hex characters. */
  root: string;
  work: bigint;
  /** The block's account (state and open blocks), re-encoded with the network's first prefix. */
  account?: string;
}

const ZERO_ROOT = '0'.repeat(64);
const U128_MAX = (1n << 128n) - 1n;
const DECIMAL = /^(?:0|[1-9][0-9]{0,38})$/;
const HEX_U128 = /^[0-9a-fA-F]{1,32}$/;
const HEX_U512 = /^[0-9a-fA-F]{1,128}$/;

type Fields = Readonly<Record<string, unknown>>;

// The node reads every field as a string; missing fields throw there.
function text(block: Fields, key: string): string | undefined {
  const v = block[key];
  return typeof v === 'string' ? v : undefined;
}

// uint256_union::decode_hex: 1-64 hex digits read as a number.
function hash(block: Fields, key: string): string | undefined {
  const s = text(block, key);
  return s === undefined ? undefined : parseRootHex(s);
}

function account(block: Fields, key: string, prefixes: readonly string[]): Uint8Array | undefined {
  const s = text(block, key);
  return s === undefined ? undefined : decodeAccount(s, prefixes);
}

// uint128_union::decode_dec: at most 39 digits, no sign, no leading zero,
// and no overflow of the u128.
function decimalBalance(s: string | undefined): boolean {
  return s !== undefined && DECIMAL.test(s) && BigInt(s) <= U128_MAX;
}

function matches(pattern: RegExp, s: string | undefined): boolean {
  return s !== undefined && pattern.test(s);
}

// Every block type ends with work (from_string_hex: 1-16 digits) and a
// signature (uint512_union::decode_hex: up to 128 digits read as a number).
function workAndSignature(block: Fields): bigint | undefined {
  const work = text(block, 'work');
  if (work === undefined || !matches(HEX_U512, text(block, 'signature'))) return undefined;
  return parseWorkHex(work);
}

function parseState(block: Fields, prefixes: readonly string[]): ParsedBlock | undefined {
  const key = account(block, 'account', prefixes);
  const previous = hash(block, 'previous');
  if (key === undefined || previous === undefined) return undefined;
  if (account(block, 'representative', prefixes) === undefined) return undefined;
  if (!decimalBalance(text(block, 'balance'))) return undefined;
  // link is a destination account for sends and a source hash otherwise;
  // the node tries the account form first.
  const link = text(block, 'link');
  if (link === undefined || (decodeAccount(link, prefixes) === undefined && parseRootHex(link) === undefined)) return undefined;
  const work = workAndSignature(block);
  if (work === undefined) return undefined;
  // A state block opening an account has no previous block to chain from.
  const root = previous === ZERO_ROOT ? bytesToHex(key) : previous;
  return { type: 'state', root, work, account: encodeAccount(key, prefixes[0] ?? '') };
}

function parseLegacy(type: Exclude<BlockType, 'state'>, block: Fields, prefixes: readonly string[]): ParsedBlock | undefined {
  let root: string | undefined;
  let key: Uint8Array | undefined;
  switch (type) {
    case 'send':
      root = hash(block, 'previous');
      if (account(block, 'destination', prefixes) === undefined) return undefined;
      if (!matches(HEX_U128, text(block, 'balance'))) return undefined;
      break;
    case 'receive':
      root = hash(block, 'previous');
      if (hash(block, 'source') === undefined) return undefined;
      break;
    case 'open':
      if (hash(block, 'source') === undefined) return undefined;
      if (account(block, 'representative', prefixes) === undefined) return undefined;
      key = account(block, 'account', prefixes);
      root = key === undefined ? undefined : bytesToHex(key);
      break;
    case 'change':
      root = hash(block, 'previous');
      if (account(block, 'representative', prefixes) === undefined) return undefined;
      break;
  }
  if (root === undefined) return undefined;
  const work = workAndSignature(block);
  if (work === undefined) return undefined;
  // Legacy send/receive/change use previous as the root even when it is
  // zero; only open blocks are rooted at the account.
  return key === undefined ? { type, root, work } : { type, root, work, account: encodeAccount(key, prefixes[0] ?? '') };
}

export function parseBlock(block: unknown, prefixes: readonly string[]): ParsedBlock | undefined {
  if (typeof block !== 'object' || block === null || Array.isArray(block)) return undefined;
  const fields = block as Fields;
  const type = text(fields, 'type');
  switch (type) {
    case 'state':
      return parseState(fields, prefixes);
    case 'send':
    case 'receive':
    case 'open':
    case 'change':
      return parseLegacy(type, fields, prefixes);
    default:
      return undefined;
  }
}
