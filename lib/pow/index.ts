export { parseWorkHex, formatWorkHex, parseRootHex, hexToBytes, bytesToHex } from './hex.js';
export { NETWORKS, isNetworkName, maxGenerateTarget } from './networks.js';
export type { NetworkName, NetworkParams } from './networks.js';
export { toMultiplier, fromMultiplier, formatMultiplier } from './multiplier.js';
export { workValue, blake2b } from './blake2b.js';
export { meetsTarget } from './validate.js';
export { decodeAccount, encodeAccount } from './account.js';
export { parseBlock } from './block.js';
export type { ParsedBlock, BlockType } from './block.js';
