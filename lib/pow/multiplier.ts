// nano-node's difficulty <-> multiplier conversions (nano/lib/numbers.cpp),
// reproduced bit for bit: the node mixes u64 wrap-around with double
// arithmetic, and clients compare the printed strings.

const U64_MAX = 0xffffffffffffffffn;
const TWO_POW_64 = 2 ** 64;

// The node works with -x in u64, i.e. the distance from x up to 2^64.
function neg64(x: bigint): bigint {
  return BigInt.asUintN(64, -x);
}

export function toMultiplier(difficulty: bigint, base: bigint): number {
  // Difficulty 0 gives Infinity here; the node asserts instead.
  return Number(neg64(base)) / Number(neg64(difficulty));
}

export function fromMultiplier(multiplier: number, base: bigint): bigint {
  // The node asserts on this; the RPC layer answers "Bad multiplier" before
  // getting here, and a silent 0 would pass Banano's range check (entry 0).
  if (!(multiplier > 0)) throw new RangeError(`multiplier must be > 0, got ${multiplier}`);
  const quotient = Number(neg64(base)) / multiplier;
  // The node stores the truncated quotient in a u128 and returns 0 when it
  // exceeds u64. Quotients of 2^128 or more wrap to 0 or to something above
  // u64 there, and end up as 0 as well.
  if (quotient >= TWO_POW_64) return 0n;
  const reverse = BigInt(Math.trunc(quotient));
  if (reverse !== 0n || base === 0n || multiplier < 1) return neg64(reverse);
  // A multiplier >= 1 must not wrap round to the easiest difficulty.
  return U64_MAX;
}

const TEN_POW_15 = 10n ** 15n;
const float64 = new DataView(new ArrayBuffer(8));

// The node prints with `std::fixed << setprecision(15)`, i.e. glibc's exact
// decimal expansion rounded half-to-even. Number#toFixed rounds exact ties
// up instead (0.125.toFixed(2) is "0.13", glibc prints "0.12"), which shows
// for doubles k / 2^16 with k odd, so the rounding is done here on the exact
// binary value.
//
// Only an exact tie differs, and m * 10^15 lies exactly halfway between two
// integers only when m * 2^16 is an odd integer (10^15 = 2^15 * 5^15, and m is
// dyadic). Every other finite positive m below 1e21 (where toFixed would
// switch to exponent notation) prints the same through toFixed, which is far
// cheaper than the bigint expansion: this runs on every work_generate answer.
export function formatMultiplier(m: number): string {
  if (m > 0 && m < 1e21) {
    const scaled = m * 65536;
    if (!Number.isInteger(scaled) || scaled % 2 === 0) return m.toFixed(15);
  }
  return formatMultiplierExact(m);
}

/** formatMultiplier by the exact decimal expansion of the double, for every input (ties, signs, non-finite). */
export function formatMultiplierExact(m: number): string {
  if (Number.isNaN(m)) return 'nan';
  float64.setFloat64(0, m);
  const bits = float64.getBigUint64(0);
  const sign = bits >> 63n === 1n ? '-' : '';
  if (!Number.isFinite(m)) return sign + 'inf';
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biased === 0 ? 1 : biased) - 1075; // |m| = mantissa * 2^exponent
  let scaled: bigint;
  if (exponent >= 0) {
    scaled = (mantissa * TEN_POW_15) << BigInt(exponent);
  } else {
    const numerator = mantissa * TEN_POW_15;
    const denominator = 1n << BigInt(-exponent);
    scaled = numerator / denominator;
    const twiceRemainder = (numerator % denominator) * 2n;
    if (twiceRemainder > denominator || (twiceRemainder === denominator && (scaled & 1n) === 1n)) scaled += 1n;
  }
  const digits = scaled.toString().padStart(16, '0');
  return `${sign}${digits.slice(0, -15)}.${digits.slice(-15)}`;
}
