#!/usr/bin/env node
import { pino } from 'pino';
import { runBenchCommand } from '../lib/bench/command.js';
import { loadConfig, parseArgs, redactConfig, USAGE } from '../lib/config/index.js';
import { ConfigError } from '../lib/errors.js';
import { runWorkerCommand } from '../lib/hub/worker-command.js';
import { runPayoutsCommand } from '../lib/ledger/payouts-command.js';
import { startPowgate } from '../lib/server.js';
import { runServicesCommand } from '../lib/services/command.js';
import { powgateVersion } from '../lib/version.js';

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'bench') {
    try {
      return await runBenchCommand(
        argv.slice(1),
        (t) => process.stdout.write(t),
        (t) => process.stderr.write(t),
      );
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      process.stderr.write(`powgate bench: ${err.message}\n`);
      return 2;
    }
  }
  if (argv[0] === 'services') {
    return runServicesCommand(
      argv.slice(1),
      (t) => process.stdout.write(t),
      (t) => process.stderr.write(t),
    );
  }
  if (argv[0] === 'payouts') {
    return runPayoutsCommand(
      argv.slice(1),
      (t) => process.stdout.write(t),
      (t) => process.stderr.write(t),
      { loadConfig: (args) => loadConfig({ argv: args, env: process.env }) },
    );
  }
  if (argv[0] === 'worker') {
    return runWorkerCommand(
      argv.slice(1),
      (t) => process.stdout.write(t),
      (t) => process.stderr.write(t),
    );
  }
  let config;
  // Deprecated keys still load; they are logged once the logger (and its level) exists.
  const deprecated: string[] = [];
  try {
    const args = parseArgs(argv);
    if (args.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (args.version) {
      process.stdout.write(`powgate ${powgateVersion()}\n`);
      return 0;
    }
    config = await loadConfig({ argv, env: process.env, onWarning: (message) => deprecated.push(message) });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`powgate: configuration error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  const logger = pino({ level: config.log.level, base: { name: 'powgate' } });
  for (const message of deprecated) logger.warn(`configuration: ${message}`);
  logger.debug({ config: redactConfig(config) }, 'configuration');
  let gate;
  try {
    gate = await startPowgate(config, { logger });
  } catch (err) {
    // What only start-up can see (a chain that can serve nothing on its network) is still the config's fault.
    if (err instanceof ConfigError) {
      process.stderr.write(`powgate: configuration error: ${err.message}\n`);
      return 2;
    }
    logger.fatal({ err: err instanceof Error ? err.message : String(err) }, 'could not start');
    return 1;
  }

  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'shutting down');
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      resolve();
    };
    const onTerm = (): void => stop('SIGTERM');
    const onInt = (): void => stop('SIGINT');
    process.once('SIGTERM', onTerm);
    process.once('SIGINT', onInt);
  });
  await gate.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`powgate: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
