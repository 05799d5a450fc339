/**
 * Proportional shares in integers, for payouts: pure, no I/O.
 *
 * `share_i = weight_i / total × distributable`, floored, in raw; what the
 * flooring leaves (fewer raw than there are workers) goes one raw each to the
 * workers with the largest remainders (distributable × weight_i mod total),
 * ties to the account that sorts first (plain string order). So:
 * - the shares add up to the distributable exactly;
 * - the result does not depend on the order the workers are given in;
 * - a heavier worker never gets less than a lighter one (equal floors are
 *   broken by the remainder, which is larger for the heavier weight).
 */
export interface Weighted {
  readonly account: string;
  readonly weight: bigint;
}

export interface Share {
  readonly account: string;
  readonly weight: bigint;
  readonly share: bigint;
}

export function proportionalShares(workers: readonly Weighted[], distributable: bigint): Share[] {
  if (distributable < 0n) throw new RangeError('distributable must not be negative');
  const seen = new Set<string>();
  let total = 0n;
  for (const w of workers) {
    if (w.weight < 0n) throw new RangeError(`negative weight for ${w.account}`);
    if (seen.has(w.account)) throw new RangeError(`account listed twice: ${w.account}`);
    seen.add(w.account);
    total += w.weight;
  }
  const sorted = [...workers].sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0));
  if (total === 0n) return sorted.map((w) => ({ account: w.account, weight: w.weight, share: 0n }));
  const rows = sorted.map((w) => {
    const product = distributable * w.weight;
    return { account: w.account, weight: w.weight, share: product / total, remainder: product % total };
  });
  let left = distributable - rows.reduce((sum, r) => sum + r.share, 0n);
  // Largest remainder first; the sort above already put equal remainders in account order (sort is stable).
  const byRemainder = [...rows].sort((a, b) => (a.remainder > b.remainder ? -1 : a.remainder < b.remainder ? 1 : 0));
  for (const row of byRemainder) {
    if (left === 0n) break;
    row.share += 1n;
    left -= 1n;
  }
  return rows.map(({ account, weight, share }) => ({ account, weight, share }));
}

/**
 * A fee rate as an exact fraction: `1%`, `0.5%`, `2.25 %`, or a plain
 * fraction `0.01`. Undefined when it does not parse or is outside 0..100 %.
 */
export function parseFeeRate(text: string): { readonly numerator: bigint; readonly denominator: bigint } | undefined {
  const m = /^\s*(\d{1,3})(?:\.(\d{1,6}))?\s*(%?)\s*$/.exec(text);
  if (m === null) return undefined;
  const [, whole = '0', frac = '', percent] = m;
  let numerator = BigInt(whole + frac);
  let denominator = 10n ** BigInt(frac.length);
  if (percent === '%') denominator *= 100n;
  if (numerator > denominator) return undefined;
  const g = gcd(numerator, denominator);
  if (g > 1n) {
    numerator /= g;
    denominator /= g;
  }
  return { numerator, denominator };
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a === 0n ? 1n : a;
}

/** The fee on `amount`, floored: rounding favours the workers. */
export function feeOf(amount: bigint, rate: { readonly numerator: bigint; readonly denominator: bigint }): bigint {
  return (amount * rate.numerator) / rate.denominator;
}

/**
 * A decimal amount in the network's unit (`10`, `0.5`, `1.000000000000000000000000000001`)
 * to raw, exactly: `unitRaw` raw per unit (Nano 10^30, Banano 10^29). Undefined
 * when it does not parse or has more decimals than raw can hold.
 */
export function parseAmount(text: string, unitRaw: bigint): bigint | undefined {
  const m = /^\s*(\d{1,40})(?:\.(\d{1,40}))?\s*$/.exec(text);
  if (m === null) return undefined;
  const [, whole = '0', frac = ''] = m;
  const digits = unitRaw.toString().length - 1;
  if (10n ** BigInt(digits) !== unitRaw || frac.length > digits) return undefined;
  return BigInt(whole) * unitRaw + BigInt(frac.padEnd(digits, '0') || '0');
}

/** Raw as a decimal in the unit, trailing zeros dropped (`10`, `0.5`). */
export function formatAmount(raw: bigint, unitRaw: bigint): string {
  const digits = unitRaw.toString().length - 1;
  const sign = raw < 0n ? '-' : '';
  const abs = raw < 0n ? -raw : raw;
  const frac = (abs % unitRaw).toString().padStart(digits, '0').replace(/0+$/, '');
  return `${sign}${abs / unitRaw}${frac === '' ? '' : `.${frac}`}`;
}
