/* Nonce search for Nano/Banano work: value = LE_u64(blake2b(outlen 8)(LE_u64(nonce) || root)). */
#ifndef POWGATE_WORK_H
#define POWGATE_WORK_H

#include <stdint.h>

enum work_isa { WORK_SCALAR = 0, WORK_AVX2 = 1, WORK_AVX512 = 2, WORK_ISA_COUNT = 3 };

/* Nonces hashed per search step (one kernel call) for each instruction set. */
extern const unsigned work_lanes[WORK_ISA_COUNT];
extern const char *const work_isa_names[WORK_ISA_COUNT];

/* Whether this processor (and OS) can run `isa`. */
int work_isa_supported(enum work_isa isa);

/*
 * Hashes nonces start, start + 1, ... (mod 2^64), `count` of them, and stops at
 * the first whose value is >= target (unsigned). Returns 1 and writes the
 * nonce to *found, or returns 0. The nonce found is the lowest in that order,
 * whatever the instruction set. `isa` must be supported.
 */
int work_search(enum work_isa isa, const uint64_t root[4], uint64_t target, uint64_t start, uint64_t count, uint64_t *found);

/* The values of nonces start .. start + work_lanes[isa] - 1 from one call of the search step's kernel (out holds 16). */
void work_values(enum work_isa isa, const uint64_t root[4], uint64_t start, uint64_t *out);

/*
 * The benchmark's baseline: a plain scalar BLAKE2b in the style of RFC 7693's
 * reference code (parameter block, 128-byte block, SIGMA looked up at run
 * time, full 8-word state), hashing `count` nonces and returning how many met
 * `target` (the count keeps the work observable).
 */
uint64_t work_baseline(const uint64_t root[4], uint64_t target, uint64_t start, uint64_t count);

#endif
