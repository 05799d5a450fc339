import { DEFAULTS } from './defaults.js';
import { formatDuration } from './parse.js';
import { isMap, type RawMap } from './shape.js';

// The common settings that have a flag and an equal POWGATE_* variable. One
// table serves the CLI parser, the env reader and the merge, so a flag and its
// env twin cannot drift apart.

export interface Shortcuts {
  listen?: string;
  network?: string;
  nodeRpc?: string;
  nodeWs?: string;
  redis?: string;
  peers?: string[];
  cpuThreads?: string;
  logLevel?: string;
}

export interface ShortcutSpec {
  readonly key: keyof Shortcuts;
  readonly flag: string;
  readonly env: string;
  readonly value: string;
  readonly help: string;
}

export const SHORTCUTS: readonly ShortcutSpec[] = [
  { key: 'listen', flag: '--listen', env: 'POWGATE_LISTEN', value: 'HOST:PORT', help: 'address to serve on (default 127.0.0.1:7176; [::1]:7176 for IPv6)' },
  { key: 'network', flag: '--network', env: 'POWGATE_NETWORK', value: 'NAME', help: 'nano | banano | nano-beta | nano-dev (default nano)' },
  { key: 'peers', flag: '--peer', env: 'POWGATE_PEERS', value: 'URL', help: 'RPC work peer, repeatable (backend "peers"; env: comma-separated)' },
  { key: 'nodeRpc', flag: '--node-rpc', env: 'POWGATE_NODE_RPC', value: 'URL', help: 'node RPC that allowed non-work actions are forwarded to' },
  { key: 'nodeWs', flag: '--node-ws', env: 'POWGATE_NODE_WS', value: 'URL', help: 'node websocket (block confirmations)' },
  { key: 'redis', flag: '--redis', env: 'POWGATE_REDIS', value: 'URL', help: 'shared cache, redis:// or rediss:// (default in-memory)' },
  { key: 'cpuThreads', flag: '--cpu-threads', env: 'POWGATE_CPU_THREADS', value: 'N', help: 'threads of the local CPU generator (backend "local")' },
  { key: 'logLevel', flag: '--log-level', env: 'POWGATE_LOG_LEVEL', value: 'LEVEL', help: 'fatal | error | warn | info | debug | trace | silent' },
];

/** Key path -> the env var or flag that set it, to name it in error messages. */
export type Sources = Map<string, string>;

const PLAIN_PATHS: Partial<Record<keyof Shortcuts, readonly [string, ...string[]]>> = {
  listen: ['listen'],
  network: ['network'],
  nodeRpc: ['node', 'rpc'],
  nodeWs: ['node', 'websocket'],
  redis: ['cache', 'url'],
  logLevel: ['log', 'level'],
};

/** Applies shortcuts onto the merged raw config; `label` names their source (flag or env var). */
export function applyShortcuts(raw: RawMap, shortcuts: Shortcuts, label: (spec: ShortcutSpec) => string, sources: Sources): void {
  for (const spec of SHORTCUTS) {
    const value = shortcuts[spec.key];
    if (value === undefined) continue;
    const path = PLAIN_PATHS[spec.key];
    if (path) {
      setIn(raw, path, value);
      sources.set(path.join('.'), label(spec));
    } else if (spec.key === 'peers') {
      setPeers(raw, value as string[], label(spec), sources);
    } else if (spec.key === 'cpuThreads') {
      setCpuThreads(raw, value as string, label(spec), sources);
    }
  }
}

/** `--peer` defines the rpc backend `peers`; an existing rpc `peers` keeps its other settings. */
function setPeers(raw: RawMap, urls: string[], label: string, sources: Sources): void {
  const backends = mapAt(raw, 'backends');
  const existing = backends.peers;
  if (isMap(existing) && existing.type === 'rpc') {
    existing.urls = [...urls];
  } else {
    backends.peers = { type: 'rpc', urls: [...urls] };
    sources.set('backends.peers', label);
  }
  sources.set('backends.peers.urls', label);
  // Explicit tiers that leave the new peers out would make it an unused backend;
  // asking for a peer on the command line means "try it first".
  ensureInTier(raw, 'peers', 'first', label, sources);
}

function setCpuThreads(raw: RawMap, threads: string, label: string, sources: Sources): void {
  const backends = mapAt(raw, 'backends');
  if (isMap(backends.local)) {
    backends.local.cpu_threads = threads;
  } else {
    backends.local = { type: 'local', cpu_threads: threads };
    sources.set('backends.local', label);
  }
  sources.set('backends.local.cpu_threads', label);
  ensureInTier(raw, 'local', 'last', label, sources);
}

function ensureInTier(raw: RawMap, name: string, where: 'first' | 'last', label: string, sources: Sources): void {
  const tiers = raw.tiers;
  if (!Array.isArray(tiers)) return;
  const listed = tiers.some((tier) => isMap(tier) && namesOf(tier.backends).includes(name));
  if (listed) return;
  if (where === 'first') {
    tiers.unshift({ backends: [name], hedge_after: formatDuration(DEFAULTS.hedgeAfter) });
    sources.set('tiers[0]', label);
  } else {
    tiers.push({ backends: [name] });
    sources.set(`tiers[${tiers.length - 1}]`, label);
  }
}

function namesOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return typeof value === 'string' ? value.split(',').map((s) => s.trim()) : [];
}

function mapAt(raw: RawMap, key: string): RawMap {
  const existing = raw[key];
  if (isMap(existing)) return existing;
  const created: RawMap = {};
  raw[key] = created;
  return created;
}

function setIn(raw: RawMap, path: readonly [string, ...string[]], value: unknown): void {
  let map = raw;
  for (const key of path.slice(0, -1)) map = mapAt(map, key);
  map[path[path.length - 1] as string] = value;
}
