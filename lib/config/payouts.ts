import { ConfigError } from '../errors.js';
import { decodeAccount, encodeAccount, formatAmount, NETWORKS, type NetworkName, parseAmount, parseFeeRate } from '../pow/index.js';
import { DEFAULTS } from './defaults.js';
import type { Parser } from './parse.js';
import { isUnset, optional, section } from './shape.js';
import type { PayoutsConfig } from './types.js';

const KEYS = ['minimum', 'fee', 'wallet', 'source'];

/** The `payouts:` section: amounts in the network's unit (XNO, BAN), kept as raw. */
export function normalizePayouts(value: unknown, at: string, network: NetworkName): PayoutsConfig {
  const payouts = section(value, at, KEYS);
  const { unit, unitRaw, prefixes } = NETWORKS[network];
  const amount: Parser<bigint> = (v, path) => {
    const raw = typeof v === 'string' || typeof v === 'number' ? parseAmount(String(v), unitRaw) : undefined;
    if (raw === undefined)
      throw new ConfigError(
        path,
        `expected an amount in ${unit} such as 0.001 (at most ${unitRaw.toString().length - 1} decimals), found ${JSON.stringify(v)}`,
      );
    return raw;
  };
  const fee: Parser<PayoutsConfig['fee']> = (v, path) => {
    const text = typeof v === 'string' || typeof v === 'number' ? String(v).trim() : '';
    const rate = parseFeeRate(text);
    if (rate === undefined) throw new ConfigError(path, `expected a fee rate from 0% to 100% such as 1% or 0.5%, found ${JSON.stringify(v)}`);
    return { text, ...rate };
  };
  const account: Parser<string> = (v, path) => {
    const key = typeof v === 'string' ? decodeAccount(v.trim(), prefixes) : undefined;
    if (key === undefined)
      throw new ConfigError(path, `expected an account address (${prefixes.join(' or ')}) with a valid checksum, found ${JSON.stringify(v)}`);
    return encodeAccount(key, prefixes[0] ?? '');
  };
  const wallet: Parser<string> = (v, path) => {
    // Never echoed: it is the key to the funds.
    if (typeof v === 'string' && /^[0-9A-Fa-f]{64}$/.test(v.trim())) return v.trim().toUpperCase();
    throw new ConfigError(path, 'expected a wallet id (64 hex digits); the value is not shown');
  };
  const minimum = optional(payouts, 'minimum', at, amount) ?? (parseAmount(DEFAULTS.payouts.minimum, unitRaw) as bigint);
  const walletId = optional(payouts, 'wallet', at, wallet);
  const source = optional(payouts, 'source', at, account);
  return {
    minimum,
    minimumText: formatAmount(minimum, unitRaw),
    fee: isUnset(payouts.fee)
      ? { text: DEFAULTS.payouts.fee, ...(parseFeeRate(DEFAULTS.payouts.fee) as { numerator: bigint; denominator: bigint }) }
      : fee(payouts.fee, `${at}.fee`),
    ...(walletId === undefined ? {} : { wallet: walletId }),
    ...(source === undefined ? {} : { source }),
  };
}
