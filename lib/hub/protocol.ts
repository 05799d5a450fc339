/**
 * DPoW's worker protocol over MQTT (spec distributed-pow.md §1.8): topic names
 * and payloads, byte for byte. Pure: no broker, no clock.
 */
import { formatWorkHex, parseWorkHex } from '../pow/index.js';

export type WorkType = 'ondemand' | 'precache';
export const WORK_TYPES: readonly WorkType[] = ['ondemand', 'precache'];

export const TOPICS = {
  work: (type: WorkType) => `work/${type}`,
  result: (type: WorkType) => `result/${type}`,
  cancel: (type: WorkType) => `cancel/${type}`,
  client: (account: string) => `client/${account}`,
  heartbeat: 'heartbeat',
  statistics: 'statistics',
  /**
   * powgate's own extension: `powgate worker` says it is there (and, through
   * its MQTT last will, that it is gone). DPoW hubs do not know it; workers
   * fall back to plain DPoW when a broker refuses it.
   */
  presence: (account: string) => `presence/${account}`,
} as const;

/** `work/ondemand` → `ondemand`; anything else → undefined. */
export function typeOfTopic(topic: string, prefix: 'work' | 'result' | 'cancel'): WorkType | undefined {
  if (topic === `${prefix}/ondemand`) return 'ondemand';
  if (topic === `${prefix}/precache`) return 'precache';
  return undefined;
}

const HASH = /^[0-9A-Fa-f]{64}$/;
const WORK = /^[0-9A-Fa-f]{16}$/;

/** `HASH,difficulty`: hash upper-case, difficulty 16 lower-case hex. */
export function formatWorkRequest(root: string, target: bigint): string {
  return `${root.toUpperCase()},${formatWorkHex(target)}`;
}

export interface WorkRequestMessage {
  readonly hash: string;
  readonly difficulty: bigint;
}

export function parseWorkRequest(payload: string): WorkRequestMessage | undefined {
  const parts = payload.split(',');
  if (parts.length !== 2) return undefined;
  const [hash, difficulty] = parts as [string, string];
  if (!HASH.test(hash) || !WORK.test(difficulty)) return undefined;
  const value = parseWorkHex(difficulty);
  return value === undefined ? undefined : { hash, difficulty: value };
}

/** `HASH,work,payout_account`: the hash echoed as received. */
export function formatResult(hash: string, work: bigint, account: string): string {
  return `${hash},${formatWorkHex(work)},${account}`;
}

export type ParsedResult =
  | { readonly ok: true; readonly hash: string; readonly work: bigint; readonly account: string }
  | { readonly ok: false; readonly account?: string; readonly reason: string };

/** Results come from anyone who can publish: every field is checked, nothing trusted. */
export function parseResult(payload: string): ParsedResult {
  if (payload.length > 512) return { ok: false, reason: 'result too long' };
  // Cut at the two commas (no array per result: a hub with N workers reads N results per job).
  const first = payload.indexOf(',');
  const second = first === -1 ? -1 : payload.indexOf(',', first + 1);
  if (second === -1 || payload.indexOf(',', second + 1) !== -1) return { ok: false, reason: 'expected HASH,work,payout_account' };
  const hash = payload.slice(0, first).trim();
  const work = payload.slice(first + 1, second).trim();
  const account = payload.slice(second + 1).trim();
  const known = account.length > 0 && account.length <= 100 ? { account } : {};
  if (!HASH.test(hash)) return { ok: false, ...known, reason: 'malformed hash' };
  if (!WORK.test(work)) return { ok: false, ...known, reason: 'malformed work' };
  const value = parseWorkHex(work);
  if (value === undefined) return { ok: false, ...known, reason: 'malformed work' };
  if (known.account === undefined) return { ok: false, reason: 'no payout account' };
  return { ok: true, hash: hash.toUpperCase(), work: value, account };
}

/** Hex digit values by byte (-1: not a hex digit), and whether a byte is a lower-case one. */
const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VALUE[0x41 + i] = 10 + i;
  HEX_VALUE[0x61 + i] = 10 + i;
}
const WORK_BYTES = Buffer.alloc(8);
const COMMA = 0x2c;

/**
 * `parseResult` on the payload's bytes, as received: the same answer for
 * every input. A result as workers write it (`HASH,work,account`, ASCII, no
 * spaces) is read without decoding the payload into a string first and
 * slicing it; anything else goes through `parseResult`.
 */
export function parseResultBytes(payload: Buffer): ParsedResult {
  const n = payload.length;
  // 64 + 1 + 16 + 1 + an account of 1 to 100 bytes.
  if (n < 83 || n > 182 || payload[64] !== COMMA || payload[81] !== COMMA) return parseResult(payload.toString('utf8'));
  let lower = false;
  for (let i = 0; i < 64; i++) {
    const b = payload[i] as number;
    if ((HEX_VALUE[b] as number) < 0) return parseResult(payload.toString('utf8'));
    if (b >= 0x61) lower = true;
  }
  for (let i = 0; i < 8; i++) {
    const hi = HEX_VALUE[payload[65 + 2 * i] as number] as number;
    const lo = HEX_VALUE[payload[66 + 2 * i] as number] as number;
    if (hi < 0 || lo < 0) return parseResult(payload.toString('utf8'));
    WORK_BYTES[i] = (hi << 4) | lo;
  }
  // Printable ASCII, no comma: nothing for trim() to take, nothing to decode.
  for (let i = 82; i < n; i++) {
    const b = payload[i] as number;
    if (b <= 0x20 || b >= 0x7f || b === COMMA) return parseResult(payload.toString('utf8'));
  }
  const hash = payload.toString('latin1', 0, 64);
  return { ok: true, hash: lower ? hash.toUpperCase() : hash, work: WORK_BYTES.readBigUInt64BE(0), account: payload.toString('latin1', 82, n) };
}

/**
 * `client/{account}` after a win: the worker's accepted counts and the hash it
 * was rewarded for; after a payout also `snapshot_*`, the counts it has been
 * paid up to (spec §1.8).
 */
export function formatClientStats(counts: ClientCounts, rewarded?: string): string {
  return JSON.stringify({
    precache: counts.precache,
    ondemand: counts.ondemand,
    ...(rewarded === undefined ? {} : { block_rewarded: rewarded }),
    ...(counts.snapshot === undefined ? {} : { snapshot_precache: counts.snapshot.precache, snapshot_ondemand: counts.snapshot.ondemand }),
  });
}

/** A worker's accepted counts as `client/{account}` carries them (the ledger's durable ones when it runs). */
export interface ClientCounts {
  readonly ondemand: number;
  readonly precache: number;
  readonly snapshot?: { readonly ondemand: number; readonly precache: number };
}

/** The spec's text for a usable result from an account that is not one. */
export function invalidAccountMessage(account: string): string {
  return JSON.stringify({ error: `Work accepted but account ${account} is invalid` });
}

/** The services part of `statistics` (lib/services): public ones by name, private ones only counted. */
export interface StatisticsServices {
  readonly public: ReadonlyArray<{ readonly display: string; readonly website: string; readonly precache: number; readonly ondemand: number }>;
  readonly private: { readonly count: number; readonly precache: number; readonly ondemand: number };
}

/**
 * `statistics`: DPoW's shape. `work` is what the hub's workers did; the
 * services are powgate's clients with keys, or, without any, powgate itself
 * counted as one private service.
 */
export function formatStatistics(work: { readonly ondemand: number; readonly precache: number }, services?: StatisticsServices): string {
  const none = services === undefined || (services.public.length === 0 && services.private.count === 0);
  return JSON.stringify({
    services: none
      ? { public: [], private: { count: 1, precache: work.precache, ondemand: work.ondemand } }
      : {
          public: services.public.map((s) => ({ display: s.display, website: s.website, precache: s.precache, ondemand: s.ondemand })),
          private: { count: services.private.count, precache: services.private.precache, ondemand: services.private.ondemand },
        },
    work: { precache: work.precache, ondemand: work.ondemand },
  });
}

export interface Presence {
  readonly online: boolean;
  /** Which work the worker takes: `ondemand`, `precache` or `any`. */
  readonly work?: 'ondemand' | 'precache' | 'any';
}

export function formatPresence(presence: Presence): string {
  return JSON.stringify(presence);
}

export function parsePresence(payload: string): Presence | undefined {
  if (payload.length > 256) return undefined;
  try {
    const value = JSON.parse(payload) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const { online } = value as { online?: unknown };
    return typeof online === 'boolean' ? { online } : undefined;
  } catch {
    return undefined;
  }
}
