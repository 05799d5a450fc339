import type { NetworkName } from '../pow/networks.js';

/**
 * The one validated, frozen configuration. YAML keys are snake_case; this type
 * is the normalised camelCase form. Durations are milliseconds.
 */
export interface Config {
  readonly network: NetworkName;
  readonly listen: { readonly host: string; readonly port: number };
  readonly node: {
    /** node RPC URL that allowed non-work actions are forwarded to. */
    readonly rpc?: string;
    /** node websocket URL: block confirmations that trigger precaching. */
    readonly websocket?: string;
    /** How long one forwarded RPC call (and each precache lookup) waits for the node's answer. */
    readonly timeout: number;
  };
  readonly rpc: {
    /** Actions forwarded to node.rpc (besides work_generate/work_cancel/work_validate, which powgate answers). */
    readonly allow: readonly string[];
    /** Largest accepted request body in bytes. */
    readonly bodyLimit: number;
    /** How long a client has to send one whole request (headers and body); not the time to answer it. */
    readonly receiveTimeout: number;
    /** Requests being forwarded to node.rpc at once (answers are streamed through); more are refused with a node-style error. */
    readonly maxForwards: number;
    /**
     * `off`: no keys (every client is anonymous). `optional`: a request with a key is its service's
     * (limits, counters); one without is anonymous. `required`: a request without a valid key is refused.
     */
    readonly auth: 'off' | 'optional' | 'required';
    /** Addresses and subnets that need no key (a node using powgate as its work peer). */
    readonly authExempt: readonly string[];
  };
  /** Clients declared in the config file; more are managed with `powgate services` (kept in the ledger database). */
  readonly services: Readonly<Record<string, ServiceConfig>>;
  /** DPoW's service API on the RPC port: POST /service/ and the /service_ws/ websocket. */
  readonly serviceApi: {
    readonly enabled: boolean;
    /** Most websockets open at once. */
    readonly maxSockets: number;
    /** How often each websocket is pinged; one that has not answered by the next ping is dropped. */
    readonly heartbeat: number;
  };
  readonly cache: {
    /** `memory` or a `redis://` / `rediss://` URL. */
    readonly url: string;
    readonly maxEntries: number;
    readonly ttl: number;
  };
  readonly work: {
    /** How long a work_generate may take in all, every tier and retry included (formerly work.timeout). */
    readonly deadline: number;
    /** Target when a request names neither difficulty nor multiplier; defaults to the network's. */
    readonly defaultDifficulty?: bigint;
    /** Upper bound of the range check, as a multiplier of the network base (node: 64). */
    readonly maxMultiplier: number;
  };
  readonly breaker: {
    /** Consecutive failures that open a backend's circuit. */
    readonly failures: number;
    /** First cool-down; doubles on each failed probe up to maxCooldown. */
    readonly cooldown: number;
    readonly maxCooldown: number;
    /**
     * How often a backend with nothing to do is probed (cheaply, spending nobody's work), so the
     * circuit, /readyz and the metrics follow it without traffic; 0 turns the probes off.
     */
    readonly probeInterval: number;
  };
  readonly backends: Readonly<Record<string, BackendConfig>>;
  readonly tiers: readonly TierConfig[];
  readonly precache: PrecacheConfig;
  readonly log: { readonly level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  readonly metrics: {
    /** Serve `/metrics`. */
    readonly enabled: boolean;
    /**
     * A second listener for `/metrics`, the dashboard, `/api/status`, `/healthz`
     * and `/readyz`; when set, the RPC port serves none of the first three.
     */
    readonly listen?: { readonly host: string; readonly port: number };
  };
  readonly dashboard: {
    /** Serve the dashboard page and `/api/status`. */
    readonly enabled: boolean;
  };
  readonly ledger: LedgerConfig;
  readonly payouts: PayoutsConfig;
}

/** `powgate payouts` (lib/ledger/payouts.ts): sends go to node.rpc's wallet RPC. */
export interface PayoutsConfig {
  /** Raw: a worker's payment below it is carried to the next plan. */
  readonly minimum: bigint;
  /** The same in the network's unit, as text. */
  readonly minimumText: string;
  /** The pool fee taken from each plan's amount (floored), unless `--fee` says otherwise. */
  readonly fee: { readonly text: string; readonly numerator: bigint; readonly denominator: bigint };
  /** The node wallet id the payments come from: a secret. */
  readonly wallet?: string;
  /** The account in that wallet the payments come from. */
  readonly source?: string;
}

/** Where the ledger's database lives (lib/ledger/db.ts); opened only when a part needs it. */
export interface LedgerConfig {
  /** `sqlite:///path/file.db`, a file path, or `postgres://…`; unset: `<dataDir>/powgate.db`. */
  readonly url?: string;
  /** Absolute: resolved against the config file's directory (or the working directory without one). */
  readonly dataDir: string;
  /** Record hub results (and serve /api/hub and the hub page); off: the hub keeps only its in-memory counts. */
  readonly record: boolean;
}

export interface PrecacheConfig {
  /** Off: no websocket client, no learned accounts, no precache jobs (/callback still forwards). */
  readonly enabled: boolean;
  /** Always tracked, re-encoded with the network's first prefix. */
  readonly accounts: readonly string[];
  /** How long a learned account stays tracked after its last work_generate. */
  readonly accountTtl: number;
  /** Most learned accounts; the least recently seen goes first. */
  readonly maxAccounts: number;
  /** Most queued precache jobs; the oldest is dropped first. */
  readonly maxQueue: number;
  /** Precache jobs running at once (only while no client job runs). */
  readonly concurrency: number;
  /** Backends precache jobs may use; they run in the order and tiers of the top-level `tiers`. */
  readonly backends: readonly string[];
  /** URLs the node's HTTP callback body is forwarded to. */
  readonly callbackForward: readonly string[];
  /** How long one forward to one of those URLs is awaited. */
  readonly callbackTimeout: number;
  /** When set, POST /callback must carry it (`?secret=` or `Authorization: Bearer`). */
  readonly callbackSecret?: string;
  /** When not empty, POST /callback is taken only from these addresses and subnets. */
  readonly callbackAllow: readonly string[];
  /** Most callbacks taken per second (a burst of as many); more get HTTP 429. */
  readonly callbackRate: number;
  /** First websocket reconnect delay; doubles (with jitter) up to maxReconnectDelay. */
  readonly reconnectDelay: number;
  readonly maxReconnectDelay: number;
  /** How often the websocket is pinged; no answer within the interval means reconnect. */
  readonly pingInterval: number;
}

/** A service declared in the config file. */
export interface ServiceConfig {
  /** Secret (through `${VAR}`): never logged or shown; the service directory knows it by its hash. */
  readonly key: string;
  readonly display?: string;
  readonly website?: string;
  /** Listed by name in the hub's statistics. */
  readonly public: boolean;
  /** Requests a second (0: no limit), with bursts of `burst`. */
  readonly rate: number;
  readonly burst: number;
  /** How long a request over the rate waits for its turn before it is refused. */
  readonly maxDelay: number;
  /** Works a UTC day from any source but the cache. */
  readonly dailyQuota?: number;
  /** Actions it may call (work_generate covers the DPoW service API); unset: all the port serves. */
  readonly actions?: readonly string[];
}

export interface TierConfig {
  readonly backends: readonly string[];
  /** Start the next tier too when this one has not answered after this long. */
  readonly hedgeAfter?: number;
}

export type BackendConfig = RpcBackendConfig | LocalBackendConfig | DpowBackendConfig | BoompowBackendConfig | HubBackendConfig;

export interface RpcBackendConfig {
  readonly type: 'rpc';
  /** node-RPC work URLs (nano-work-server, a node with control, another powgate); they race. */
  readonly urls: readonly string[];
  /** How long one request to a peer is awaited; unset: until the job's deadline. */
  readonly timeout?: number;
  /** Relay `account` to the peers when the client sent one. */
  readonly sendAccount: boolean;
}

export interface LocalBackendConfig {
  readonly type: 'local';
  /** Worker threads for the CPU generator. */
  readonly cpuThreads: number;
  /** Kernel: native (AVX-512/AVX2/scalar addon), wasm, or auto (native when it loads, else WASM). */
  readonly cpuImpl: 'auto' | 'native' | 'wasm';
  /** `auto`: a hardware GPU when found; `on`: any adapter, none is a start-up error; `off`. */
  readonly gpu: 'auto' | 'off' | 'on';
  /** Adapter name as Dawn lists it (unset: Dawn's choice, the high-performance one). */
  readonly gpuAdapter?: string;
  /** Dawn backend: `auto` (vulkan, then opengl), `vulkan` or `opengl`. */
  readonly gpuBackend: 'auto' | 'opengl' | 'vulkan';
}

export interface DpowBackendConfig {
  readonly type: 'dpow';
  /** Service websocket, `wss://…/service_ws/` (a trailing slash is added: the server redirects without it). */
  readonly url: string;
  /** Service POST endpoint, `https://…/service/`, used when every socket is busy or down. */
  readonly postUrl: string;
  readonly user: string;
  /** Secret: never logged, shown or sent anywhere but to DPoW. */
  readonly apiKey: string;
  /** Persistent websockets; the server answers each one serially. 0 = POST only. */
  readonly sockets: number;
  /** Sent to DPoW as its own search limit (whole seconds, 1 to 25 s), and awaited that long (plus a grace), in ms. */
  readonly timeout: number;
  /** Send the client's `account` (DPoW uses it for precache bookkeeping). */
  readonly sendAccount: boolean;
}

export interface BoompowBackendConfig {
  readonly type: 'boompow';
  /** GraphQL endpoint. */
  readonly url: string;
  /** Secret `service:<uuid>` token, sent verbatim as the Authorization header. */
  readonly token: string;
  /** Let BoomPoW credit its workers for our requests. */
  readonly blockAward: boolean;
  /** How long one request to BoomPoW is awaited, its retries included (the server itself waits 30 s). */
  readonly timeout: number;
}

export interface HubBackendConfig {
  readonly type: 'hub';
  /** `embedded` (an MQTT broker inside powgate) or an existing broker's mqtt://, mqtts://, ws:// or wss:// URL. */
  readonly broker: string;
  /** Embedded broker: MQTT over TCP. */
  readonly listen: { readonly host: string; readonly port: number };
  /** Embedded broker: MQTT over a websocket (browser workers); off when unset. */
  readonly websocketListen?: { readonly host: string; readonly port: number };
  /** What workers log in with (DPoW's public default: client/client). */
  readonly workerUsername: string;
  /** Secret (even when public): never logged or shown. */
  readonly workerPassword: string;
  /** powgate's own login: to an external broker, or a hub-rights login on the embedded one. */
  readonly username?: string;
  /** Secret: never logged or shown. */
  readonly password?: string;
  /** A worker counts as present this long after it was last heard from. */
  readonly workerTtl: number;
  /** Most workers remembered (least recently seen forgotten first). */
  readonly maxWorkers: number;
  /** Embedded broker: most connections per listener. */
  readonly maxConnections: number;
  /** Per-job limit; unset: the job's deadline. */
  readonly timeout?: number;
  readonly heartbeatInterval: number;
  readonly statisticsInterval: number;
  /** Workers (top by accepted results) given their own label in /metrics; 0: none. */
  readonly metricsWorkers: number;
}
