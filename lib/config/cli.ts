import { ConfigError } from '../errors.js';
import { SHORTCUTS, type Shortcuts } from './shortcuts.js';

export interface CliArgs extends Shortcuts {
  config?: string;
  help: boolean;
  version: boolean;
}

const OPTION_WIDTH = 22;
const option = (name: string, help: string): string => `  ${name.padEnd(OPTION_WIDTH)} ${help}`;

export const USAGE = [
  'Usage: powgate [options]',
  '       powgate bench [--seconds S] [--threads N] [--network NAME]   hash rate per device',
  '       powgate worker --hub URL --payout ACCOUNT [...]                 work for a hub (powgate worker --help)',
  '       powgate services add|list|rotate|limit|remove [...]             clients with API keys (powgate services --help)',
  "       powgate payouts plan|send|show|list [...]                       pay the hub's workers (powgate payouts --help)",
  '',
  'Options:',
  option('--config FILE', 'YAML config file (env POWGATE_CONFIG); see config.example.yaml'),
  ...SHORTCUTS.map((s) => option(`${s.flag} ${s.value}`, s.help)),
  option('-h, --help', 'show this help'),
  option('-v, --version', 'print the version'),
  '',
  'Each option also has an environment variable: POWGATE_LISTEN, POWGATE_NETWORK,',
  'POWGATE_PEERS (comma-separated), POWGATE_NODE_RPC, POWGATE_NODE_WS, POWGATE_REDIS,',
  'POWGATE_CPU_THREADS, POWGATE_LOG_LEVEL. Any config key can be set as',
  'POWGATE_<SECTION>__<KEY>, e.g. POWGATE_CACHE__TTL=1d.',
  'Precedence: flags > environment > config file > defaults.',
  '',
].join('\n');

const HINT = "run 'powgate --help' for usage";

/** argv without node and the script. Values are checked later, by the schema, so errors name the key. */
export function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = { help: false, version: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-h' || arg === '--help') {
      args.help = true;
      continue;
    }
    if (arg === '-v' || arg === '--version') {
      args.version = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new ConfigError('', `unexpected argument ${JSON.stringify(arg)}; ${HINT}`);
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (flag === '--help' || flag === '--version') throw new ConfigError('', `option ${flag} takes no value; ${HINT}`);
    const spec = flag === '--config' ? undefined : SHORTCUTS.find((s) => s.flag === flag);
    if (flag !== '--config' && !spec) throw new ConfigError('', `unknown option ${flag}; ${HINT}`);
    let value: string;
    if (eq !== -1) {
      value = arg.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      // A dash-led value is more likely a forgotten value than a value: write --flag=-x for that.
      if (next === undefined || next.startsWith('-')) throw new ConfigError('', `option ${flag} needs a value; ${HINT}`);
      value = next;
      i++;
    }
    if (!spec) args.config = value;
    else if (spec.key === 'peers') args.peers = [...(args.peers ?? []), value];
    else args[spec.key] = value;
  }
  return args;
}
