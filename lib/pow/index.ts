export { decodeAccount, encodeAccount } from './account.js';
export { blake2b, workValue } from './blake2b.js';
export type { BlockType, ParsedBlock } from './block.js';
export { parseBlock } from './block.js';
export { bytesToHex, formatWorkHex, hexToBytes, parseRootHex, parseWorkHex } from './hex.js';
export { formatMultiplier, fromMultiplier, toMultiplier } from './multiplier.js';
export type { NetworkName, NetworkParams } from './networks.js';
export { isNetworkName, maxGenerateTarget, NETWORKS } from './networks.js';
export { meetsTarget } from './validate.js';
