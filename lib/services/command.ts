/**
 * `powgate services add|list|rotate|limit|remove`: services kept in the
 * ledger database (a running powgate reads them every few seconds). A key is
 * printed once, when it is made, and stored only as its hash. Bad flags: a
 * clear message and exit code 2.
 */

import { DEFAULTS } from '../config/defaults.js';
import { loadConfig } from '../config/index.js';
import { duration, integer, MAX_TIMER_MS, number, pattern, url } from '../config/parse.js';
import { serviceName } from '../config/services.js';
import type { Config } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { openDatabase } from '../ledger/db.js';
import { needsDatabase } from '../ledger/index.js';
import { hashKey, newKey } from './keys.js';
import { SqlServiceStore } from './sql-store.js';
import { ServiceExistsError, type ServicePatch, type ServiceRecord, type StoredService, utcDay } from './types.js';

export const SERVICES_USAGE = `Usage: powgate services <command> [--config FILE] [options]

Clients of powgate with API keys, kept in the ledger database (ledger.url, or
ledger.data_dir/powgate.db); a running powgate picks up changes within 5 s.

  add NAME [limits]       make a service; prints its key once (only its hash is kept)
  list [--json]           every service: limits, today's use, credits; never a key
  rotate NAME             a new key, printed once; the old one stops working at the next sync
  limit NAME [limits]     change a service's limits
  remove NAME             delete a service (its recorded use stays)

Limits (add and limit):
  --rate N                requests/s, 0 for none (default ${DEFAULTS.service.rate})
  --burst N               requests at once above the rate (default ${DEFAULTS.service.burst})
  --max-delay D           how long a request over the rate waits for its turn (default ${DEFAULTS.service.maxDelay / 1000}s)
  --daily-quota N|none    works a UTC day from any source but the cache
  --credits N|none        prepaid works (one per work not from the cache); none: no credit accounting
  --add-credits N         top up (limit only)
  --actions a,b,...|all   the actions it may call (work_generate covers the DPoW service API)
  --public | --private    listed by name in the hub's statistics, or only counted
  --display TEXT          its name in the statistics
  --website URL
  --json                  machine-readable output (add, rotate, list)
`;

type Out = (text: string) => void;

export class ServicesFlagError extends Error {}

const VALUE_FLAGS = ['config', 'rate', 'burst', 'max-delay', 'daily-quota', 'credits', 'add-credits', 'actions', 'display', 'website'];
const BOOLEAN_FLAGS = ['public', 'private', 'json'];

interface Parsed {
  readonly command: string;
  readonly name?: string;
  readonly values: Map<string, string>;
  readonly flags: Set<string>;
}

function parse(argv: readonly string[]): Parsed | 'help' {
  const positional: string[] = [];
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-h' || arg === '--help') return 'help';
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (BOOLEAN_FLAGS.includes(name) && eq === -1) {
      flags.add(name);
      continue;
    }
    if (!VALUE_FLAGS.includes(name)) throw new ServicesFlagError(`unknown flag --${name}`);
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new ServicesFlagError(`--${name} needs a value`);
    if (values.has(name)) throw new ServicesFlagError(`--${name} is given twice`);
    values.set(name, value);
  }
  const [command, name, extra] = positional;
  if (command === undefined) return 'help';
  if (extra !== undefined) throw new ServicesFlagError(`unexpected argument ${JSON.stringify(extra)}`);
  if (flags.has('public') && flags.has('private')) throw new ServicesFlagError('--public and --private contradict each other');
  return { command, ...(name === undefined ? {} : { name }), values, flags };
}

/** The flags' limits as a patch, each value checked by the config file's own parsers (so the messages match). */
function limitsPatch(p: Parsed, forAdd: boolean): ServicePatch {
  const v = p.values;
  const opt = <T>(flag: string, read: (value: string) => T): T | undefined => {
    const value = v.get(flag);
    return value === undefined ? undefined : read(value);
  };
  const orNone = <T>(flag: string, read: (value: string) => T): T | null | undefined => opt(flag, (value) => (value === 'none' ? null : read(value)));
  const patch: Record<string, unknown> = {
    rate: opt('rate', (x) => number(0, 1_000_000)(x, '--rate')),
    burst: opt('burst', (x) => integer(1, 1_000_000)(x, '--burst')),
    maxDelay: opt('max-delay', (x) => duration(0, MAX_TIMER_MS)(x, '--max-delay')),
    dailyQuota: orNone('daily-quota', (x) => integer(1, Number.MAX_SAFE_INTEGER)(x, '--daily-quota')),
    credits: orNone('credits', (x) => integer(0, Number.MAX_SAFE_INTEGER)(x, '--credits')),
    actions: opt('actions', (x) =>
      x === 'all'
        ? null
        : [...new Set(x.split(',').map((a) => pattern(/^[a-z][a-z0-9_]*$/, 'RPC action names such as work_generate,account_info')(a.trim(), '--actions')))],
    ),
    display: opt('display', (x) => (x.length > 100 || [...x].some((c) => c < ' ') ? fail('--display', 'text of at most 100 characters') : x)),
    website: opt('website', (x) => url(['http', 'https'])(x, '--website')),
    public: p.flags.has('public') ? true : p.flags.has('private') ? false : undefined,
  };
  if (forAdd && v.has('add-credits')) throw new ServicesFlagError('--add-credits is for limit; add takes --credits');
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as ServicePatch;
}

function fail(flag: string, expected: string): never {
  throw new ConfigError(flag, `expected ${expected}`);
}

export async function runServicesCommand(argv: readonly string[], out: Out, err: Out, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed: Parsed | 'help';
  let config: Config;
  try {
    parsed = parse(argv);
    if (parsed === 'help') {
      out(SERVICES_USAGE);
      return 0;
    }
    const file = parsed.values.get('config');
    config = await loadConfig({ argv: file === undefined ? [] : ['--config', file], env });
  } catch (e) {
    if (e instanceof ServicesFlagError || e instanceof ConfigError) {
      err(`powgate services: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const p = parsed;
  const needName = (): string => {
    if (p.name === undefined) throw new ServicesFlagError(`${p.command} needs a service NAME`);
    return serviceName(p.name, 'NAME');
  };
  let db: Awaited<ReturnType<typeof openDatabase>> | undefined;
  try {
    if (!['add', 'list', 'rotate', 'limit', 'remove'].includes(p.command))
      throw new ServicesFlagError(`unknown command ${JSON.stringify(p.command)}; run 'powgate services --help'`);
    if (p.command === 'list' && p.name !== undefined) throw new ServicesFlagError(`unexpected argument ${JSON.stringify(p.name)}`);
    const name = p.command === 'list' ? undefined : needName();
    if (name !== undefined && Object.hasOwn(config.services, name)) {
      throw new ServicesFlagError(`${name} is declared in the config file (services.${name}): change it there`);
    }
    const patch = p.command === 'add' || p.command === 'limit' ? limitsPatch(p, p.command === 'add') : {};
    db = await openDatabase({ url: config.ledger.url, dataDir: config.ledger.dataDir });
    const store = await SqlServiceStore.open(db);
    const json = p.flags.has('json');
    switch (p.command) {
      case 'add': {
        const key = newKey();
        const record: ServiceRecord = {
          name: name as string,
          keyHash: hashKey(key),
          public: patch.public ?? DEFAULTS.service.public,
          rate: patch.rate ?? DEFAULTS.service.rate,
          burst: patch.burst ?? DEFAULTS.service.burst,
          maxDelay: patch.maxDelay ?? DEFAULTS.service.maxDelay,
          ...(typeof patch.display === 'string' ? { display: patch.display } : {}),
          ...(typeof patch.website === 'string' ? { website: patch.website } : {}),
          ...(typeof patch.dailyQuota === 'number' ? { dailyQuota: patch.dailyQuota } : {}),
          ...(typeof patch.credits === 'number' ? { credits: patch.credits } : {}),
          ...(Array.isArray(patch.actions) ? { actions: patch.actions } : {}),
        };
        try {
          await store.add(record);
        } catch (e) {
          if (e instanceof ServiceExistsError) throw new ServicesFlagError(`a service named ${name} exists already (rotate its key, or remove it first)`);
          throw e;
        }
        if (json) out(`${JSON.stringify({ name, key })}\n`);
        else out(`Service ${name} added. Its key, shown only now (only its hash is kept):\n${key}\n`);
        if (!needsDatabase(config)) {
          err(
            'note: with this config powgate opens no database (rpc.auth is off, no hub, no ledger.url), so it will not know this service: set rpc.auth or ledger.url\n',
          );
        }
        return 0;
      }
      case 'rotate': {
        const key = newKey();
        if (!(await store.update(name as string, { keyHash: hashKey(key) }))) throw new ServicesFlagError(`no service named ${name}`);
        if (json) out(`${JSON.stringify({ name, key })}\n`);
        else out(`New key for ${name}, shown only now; the old one stops working within 5 s:\n${key}\n`);
        return 0;
      }
      case 'limit': {
        const addCredits = p.values.get('add-credits');
        const { ...rest } = patch;
        if (Object.keys(rest).length === 0 && addCredits === undefined) throw new ServicesFlagError('limit needs at least one limit to change (see --help)');
        if (Object.keys(rest).length > 0 && !(await store.update(name as string, rest))) throw new ServicesFlagError(`no service named ${name}`);
        if (addCredits !== undefined) {
          const n = integer(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)(addCredits, '--add-credits');
          if (!(await store.addCredits(name as string, n)))
            throw new ServicesFlagError(`${name} does not exist or has no credit accounting (set --credits N first)`);
        }
        out(`Service ${name} updated.\n`);
        return 0;
      }
      case 'remove': {
        if (!(await store.remove(name as string))) throw new ServicesFlagError(`no service named ${name}`);
        out(`Service ${name} removed; its recorded use stays in the database.\n`);
        return 0;
      }
      default: {
        const stored = await store.load(utcDay(Date.now()));
        const charged = await store.charged(utcDay(Date.now()));
        const declared = Object.entries(config.services).map(([n, s]) => ({
          name: n,
          origin: 'config' as const,
          public: s.public,
          display: s.display ?? null,
          rate: s.rate,
          burst: s.burst,
          maxDelaySeconds: s.maxDelay / 1000,
          dailyQuota: s.dailyQuota ?? null,
          credits: null,
          actions: s.actions ?? null,
          usedToday: charged.get(n) ?? 0,
        }));
        const rows = [...declared, ...stored.map((s) => view(s))];
        if (json) {
          out(`${JSON.stringify(rows)}\n`);
          return 0;
        }
        if (rows.length === 0) {
          out('No services. Add one with: powgate services add NAME\n');
          return 0;
        }
        const table = [
          ['name', 'from', 'listed', 'rate/s', 'burst', 'max delay', 'today', 'quota', 'credits', 'actions'],
          ...rows.map((r) => [
            r.display === null ? r.name : `${r.name} (${r.display})`,
            r.origin,
            r.public ? 'public' : 'private',
            r.rate === 0 ? 'none' : String(r.rate),
            String(r.burst),
            `${r.maxDelaySeconds}s`,
            String(r.usedToday),
            r.dailyQuota === null ? '-' : String(r.dailyQuota),
            r.credits === null ? '-' : String(r.credits),
            r.actions === null ? 'all' : r.actions.join(','),
          ]),
        ];
        const widths = (table[0] as string[]).map((_, i) => Math.max(...table.map((row) => (row[i] as string).length)));
        for (const row of table)
          out(
            `${row
              .map((cell, i) => cell.padEnd(widths[i] as number))
              .join('  ')
              .trimEnd()}\n`,
          );
        return 0;
      }
    }
  } catch (e) {
    if (e instanceof ServicesFlagError || e instanceof ConfigError) {
      err(`powgate services: ${e.message}\n`);
      return 2;
    }
    err(`powgate services: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    await db?.close();
  }
}

function view(s: StoredService) {
  return {
    name: s.name,
    origin: 'database' as const,
    public: s.public,
    display: s.display ?? null,
    rate: s.rate,
    burst: s.burst,
    maxDelaySeconds: s.maxDelay / 1000,
    dailyQuota: s.dailyQuota ?? null,
    credits: s.credits ?? null,
    actions: s.actions ?? null,
    usedToday: s.usedToday,
  };
}
