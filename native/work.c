/*
 * Specialised single-block BLAKE2b-64 nonce kernels: scalar, AVX2 (4 nonces
 * per vector) and AVX-512 (8 per vector, native 64-bit rotates). The vector
 * kernels hash two vectors per step (8 and 16 nonces), written as pairs so
 * the two independent dependency chains interleave: ~1.3-1.5x the rate of one
 * vector per step on Zen 5, whose out-of-order window cannot overlap two
 * whole ~1,300-instruction hashes by itself. Each vector
 * kernel is compiled with a per-function target attribute, so one binary runs
 * on any x86-64 and work_isa_supported() picks at run time.
 */
#include "work.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define WORK_X86 1
#include <immintrin.h>
#endif

#define IV0 0x6a09e667f3bcc908ULL
#define IV1 0xbb67ae8584caa73bULL
#define IV2 0x3c6ef372fe94f82bULL
#define IV3 0xa54ff53a5f1d36f1ULL
#define IV4 0x510e527fade682d1ULL
#define IV5 0x9b05688c2b3e6c1fULL
#define IV6 0x1f83d9abfb41bd6bULL
#define IV7 0x5be0cd19137e2179ULL

const char *const work_isa_names[WORK_ISA_COUNT] = {"scalar", "avx2", "avx512"};
const unsigned work_lanes[WORK_ISA_COUNT] = {1, 8, 16};

/* ---- scalar ---- */
#define KNAME(x) x##_scalar
#define KATTR
#define V uint64_t
#define SET1(x) ((uint64_t)(x))
#define ADD(a, b) ((a) + (b))
#define XOR(a, b) ((a) ^ (b))
#define ROR(x, n) (((x) >> (n)) | ((x) << (64 - (n))))
#define ROR32(x) ROR(x, 32)
#define ROR24(x) ROR(x, 24)
#define ROR16(x) ROR(x, 16)
#define ROR63(x) ROR(x, 63)
#include "kernel.h"
#undef KNAME
#undef KATTR
#undef V
#undef SET1
#undef ADD
#undef XOR
#undef ROR32
#undef ROR24
#undef ROR16
#undef ROR63

static int search_scalar(const uint64_t root[4], uint64_t target, uint64_t start, uint64_t count, uint64_t *found) {
  for (uint64_t i = 0; i < count; i++) {
    uint64_t nonce = start + i;
    if (hash_scalar(nonce, root) >= target) {
      *found = nonce;
      return 1;
    }
  }
  return 0;
}

#ifdef WORK_X86
/* ---- AVX2: 4 x u64 lanes; rotates by byte shuffles, 63 by shift and add ---- */
#define KNAME(x) x##_avx2
#define KATTR __attribute__((target("avx2")))
#define V __m256i
#define SET1(x) _mm256_set1_epi64x((long long)(x))
#define ADD(a, b) _mm256_add_epi64(a, b)
#define XOR(a, b) _mm256_xor_si256(a, b)
#define ROR32(x) _mm256_shuffle_epi32(x, 0xb1)
#define ROR24(x) _mm256_shuffle_epi8(x, _mm256_setr_epi8(3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10, \
                                                          3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10))
#define ROR16(x) _mm256_shuffle_epi8(x, _mm256_setr_epi8(2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9, \
                                                          2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9))
#define ROR63(x) ror63_avx2(x)
static inline __attribute__((always_inline)) KATTR __m256i ror63_avx2(__m256i x) {
  return _mm256_or_si256(_mm256_srli_epi64(x, 63), _mm256_add_epi64(x, x));
}
#include "kernel.h"
#undef KNAME
#undef KATTR
#undef V
#undef SET1
#undef ADD
#undef XOR
#undef ROR32
#undef ROR24
#undef ROR16
#undef ROR63

/* The same kernel on two vectors at once (8 nonces), written as pairs so the
 * two independent dependency chains are interleaved in the instruction stream. */
typedef struct {
  __m256i a, b;
} pair256;
#define PAIR_OP(name, expr)                                                                      \
  static inline __attribute__((always_inline, target("avx2"))) pair256 name(pair256 x, pair256 y) { \
    pair256 r = {expr(x.a, y.a), expr(x.b, y.b)};                                                 \
    return r;                                                                                     \
  }
#define PAIR_UN(name, expr)                                                            \
  static inline __attribute__((always_inline, target("avx2"))) pair256 name(pair256 x) { \
    pair256 r = {expr(x.a), expr(x.b)};                                                 \
    return r;                                                                           \
  }
#define ROR24_1(x) _mm256_shuffle_epi8(x, _mm256_setr_epi8(3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10, \
                                                          3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10))
#define ROR16_1(x) _mm256_shuffle_epi8(x, _mm256_setr_epi8(2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9, \
                                                          2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9))
#define ROR32_1(x) _mm256_shuffle_epi32(x, 0xb1)
PAIR_OP(pair_add, _mm256_add_epi64)
PAIR_OP(pair_xor, _mm256_xor_si256)
PAIR_UN(pair_ror32, ROR32_1)
PAIR_UN(pair_ror24, ROR24_1)
PAIR_UN(pair_ror16, ROR16_1)
PAIR_UN(pair_ror63, ror63_avx2)
static inline __attribute__((always_inline, target("avx2"))) pair256 pair_set1(uint64_t x) {
  pair256 r = {_mm256_set1_epi64x((long long)x), _mm256_set1_epi64x((long long)x)};
  return r;
}
#define KNAME(x) x##_avx2x2
#define KATTR __attribute__((target("avx2")))
#define V pair256
#define SET1(x) pair_set1(x)
#define ADD(a, b) pair_add(a, b)
#define XOR(a, b) pair_xor(a, b)
#define ROR32(x) pair_ror32(x)
#define ROR24(x) pair_ror24(x)
#define ROR16(x) pair_ror16(x)
#define ROR63(x) pair_ror63(x)
#include "kernel.h"
#undef KNAME
#undef KATTR
#undef V
#undef SET1
#undef ADD
#undef XOR
#undef ROR32
#undef ROR24
#undef ROR16
#undef ROR63

/* Lanes whose value >= target, as a 4-bit mask (AVX2 has only a signed 64-bit compare). */
static inline __attribute__((always_inline, target("avx2"))) unsigned ge_mask_avx2(__m256i value, __m256i target_flipped) {
  const __m256i sign = _mm256_set1_epi64x((long long)0x8000000000000000ULL);
  __m256i below = _mm256_cmpgt_epi64(target_flipped, _mm256_xor_si256(value, sign));
  return ~(unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(below)) & 0xfu;
}

__attribute__((target("avx2"))) static int search_avx2(const uint64_t root[4], uint64_t target, uint64_t start, uint64_t count, uint64_t *found) {
  const __m256i t = _mm256_set1_epi64x((long long)(target ^ 0x8000000000000000ULL));
  const __m256i step = _mm256_set1_epi64x(4);
  __m256i n = _mm256_add_epi64(_mm256_set1_epi64x((long long)start), _mm256_setr_epi64x(0, 1, 2, 3));
  const __m256i step2 = _mm256_set1_epi64x(8);
  uint64_t i = 0;
  for (; i + 8 <= count; i += 8) {
    pair256 nn = {n, _mm256_add_epi64(n, step)};
    pair256 h = hash_avx2x2(nn, root);
    unsigned mask = ge_mask_avx2(h.a, t) | (ge_mask_avx2(h.b, t) << 4);
    if (mask) {
      *found = start + i + (uint64_t)__builtin_ctz(mask);
      return 1;
    }
    n = _mm256_add_epi64(n, step2);
  }
  for (; i + 4 <= count; i += 4) {
    unsigned mask = ge_mask_avx2(hash_avx2(n, root), t);
    if (mask) {
      *found = start + i + (uint64_t)__builtin_ctz(mask);
      return 1;
    }
    n = _mm256_add_epi64(n, step);
  }
  return search_scalar(root, target, start + i, count - i, found);
}

static void values_avx2(const uint64_t root[4], uint64_t start, uint64_t *out) __attribute__((target("avx2")));
static void values_avx2(const uint64_t root[4], uint64_t start, uint64_t *out) {
  __m256i n = _mm256_add_epi64(_mm256_set1_epi64x((long long)start), _mm256_setr_epi64x(0, 1, 2, 3));
  pair256 nn = {n, _mm256_add_epi64(n, _mm256_set1_epi64x(4))};
  pair256 h = hash_avx2x2(nn, root);
  _mm256_storeu_si256((__m256i *)out, h.a);
  _mm256_storeu_si256((__m256i *)(out + 4), h.b);
}

/* ---- AVX-512: 8 x u64 lanes, vprorq ---- */
#define KNAME(x) x##_avx512
#define KATTR __attribute__((target("avx512f")))
#define V __m512i
#define SET1(x) _mm512_set1_epi64((long long)(x))
#define ADD(a, b) _mm512_add_epi64(a, b)
#define XOR(a, b) _mm512_xor_si512(a, b)
#define ROR32(x) _mm512_ror_epi64(x, 32)
#define ROR24(x) _mm512_ror_epi64(x, 24)
#define ROR16(x) _mm512_ror_epi64(x, 16)
#define ROR63(x) _mm512_ror_epi64(x, 63)
#include "kernel.h"
#undef KNAME
#undef KATTR
#undef V
#undef SET1
#undef ADD
#undef XOR
#undef ROR32
#undef ROR24
#undef ROR16
#undef ROR63

/* Two vectors at once (16 nonces), as for AVX2. */
typedef struct {
  __m512i a, b;
} pair512;
#define PAIR512_OP(name, expr)                                                                       \
  static inline __attribute__((always_inline, target("avx512f"))) pair512 name(pair512 x, pair512 y) { \
    pair512 r = {expr(x.a, y.a), expr(x.b, y.b)};                                                     \
    return r;                                                                                         \
  }
#define PAIR512_ROR(n)                                                                              \
  static inline __attribute__((always_inline, target("avx512f"))) pair512 pair512_ror##n(pair512 x) { \
    pair512 r = {_mm512_ror_epi64(x.a, n), _mm512_ror_epi64(x.b, n)};                                \
    return r;                                                                                        \
  }
PAIR512_OP(pair512_add, _mm512_add_epi64)
PAIR512_OP(pair512_xor, _mm512_xor_si512)
PAIR512_ROR(32)
PAIR512_ROR(24)
PAIR512_ROR(16)
PAIR512_ROR(63)
static inline __attribute__((always_inline, target("avx512f"))) pair512 pair512_set1(uint64_t x) {
  pair512 r = {_mm512_set1_epi64((long long)x), _mm512_set1_epi64((long long)x)};
  return r;
}
#define KNAME(x) x##_avx512x2
#define KATTR __attribute__((target("avx512f")))
#define V pair512
#define SET1(x) pair512_set1(x)
#define ADD(a, b) pair512_add(a, b)
#define XOR(a, b) pair512_xor(a, b)
#define ROR32(x) pair512_ror32(x)
#define ROR24(x) pair512_ror24(x)
#define ROR16(x) pair512_ror16(x)
#define ROR63(x) pair512_ror63(x)
#include "kernel.h"
#undef KNAME
#undef KATTR
#undef V
#undef SET1
#undef ADD
#undef XOR
#undef ROR32
#undef ROR24
#undef ROR16
#undef ROR63

__attribute__((target("avx512f"))) static int search_avx512(const uint64_t root[4], uint64_t target, uint64_t start, uint64_t count, uint64_t *found) {
  const __m512i t = _mm512_set1_epi64((long long)target);
  const __m512i step = _mm512_set1_epi64(8);
  __m512i n = _mm512_add_epi64(_mm512_set1_epi64((long long)start), _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7));
  const __m512i step2 = _mm512_set1_epi64(16);
  uint64_t i = 0;
  for (; i + 16 <= count; i += 16) {
    pair512 nn = {n, _mm512_add_epi64(n, step)};
    pair512 h = hash_avx512x2(nn, root);
    unsigned mask = (unsigned)_mm512_cmpge_epu64_mask(h.a, t) | ((unsigned)_mm512_cmpge_epu64_mask(h.b, t) << 8);
    if (mask) {
      *found = start + i + (uint64_t)__builtin_ctz(mask);
      return 1;
    }
    n = _mm512_add_epi64(n, step2);
  }
  for (; i + 8 <= count; i += 8) {
    __mmask8 mask = _mm512_cmpge_epu64_mask(hash_avx512(n, root), t);
    if (mask) {
      *found = start + i + (uint64_t)__builtin_ctz(mask);
      return 1;
    }
    n = _mm512_add_epi64(n, step);
  }
  return search_scalar(root, target, start + i, count - i, found);
}

static void values_avx512(const uint64_t root[4], uint64_t start, uint64_t *out) __attribute__((target("avx512f")));
static void values_avx512(const uint64_t root[4], uint64_t start, uint64_t *out) {
  __m512i n = _mm512_add_epi64(_mm512_set1_epi64((long long)start), _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7));
  pair512 nn = {n, _mm512_add_epi64(n, _mm512_set1_epi64(8))};
  pair512 h = hash_avx512x2(nn, root);
  _mm512_storeu_si512((void *)out, h.a);
  _mm512_storeu_si512((void *)(out + 8), h.b);
}
#endif /* WORK_X86 */

int work_isa_supported(enum work_isa isa) {
  switch (isa) {
    case WORK_SCALAR:
      return 1;
#ifdef WORK_X86
    case WORK_AVX2:
      __builtin_cpu_init();
      return __builtin_cpu_supports("avx2");
    case WORK_AVX512:
      __builtin_cpu_init();
      return __builtin_cpu_supports("avx512f");
#endif
    default:
      return 0;
  }
}

int work_search(enum work_isa isa, const uint64_t root[4], uint64_t target, uint64_t start, uint64_t count, uint64_t *found) {
  switch (isa) {
#ifdef WORK_X86
    case WORK_AVX2:
      return search_avx2(root, target, start, count, found);
    case WORK_AVX512:
      return search_avx512(root, target, start, count, found);
#endif
    default:
      return search_scalar(root, target, start, count, found);
  }
}

void work_values(enum work_isa isa, const uint64_t root[4], uint64_t start, uint64_t *out) {
  switch (isa) {
#ifdef WORK_X86
    case WORK_AVX2:
      values_avx2(root, start, out);
      return;
    case WORK_AVX512:
      values_avx512(root, start, out);
      return;
#endif
    default:
      out[0] = hash_scalar(start, root);
  }
}

/* ---- baseline: textbook BLAKE2b (RFC 7693 style), not specialised ---- */

static const uint8_t SIGMA[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4}, {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13}, {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11}, {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5}, {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};
static const uint64_t IV[8] = {IV0, IV1, IV2, IV3, IV4, IV5, IV6, IV7};

static inline uint64_t rotr64(uint64_t x, unsigned n) { return (x >> n) | (x << (64 - n)); }

#define BG(a, b, c, d, x, y)       \
  do {                             \
    v[a] = v[a] + v[b] + (x);      \
    v[d] = rotr64(v[d] ^ v[a], 32); \
    v[c] = v[c] + v[d];            \
    v[b] = rotr64(v[b] ^ v[c], 24); \
    v[a] = v[a] + v[b] + (y);      \
    v[d] = rotr64(v[d] ^ v[a], 16); \
    v[c] = v[c] + v[d];            \
    v[b] = rotr64(v[b] ^ v[c], 63); \
  } while (0)

static void baseline_compress(uint64_t h[8], const uint8_t block[128], uint64_t t, int last) {
  uint64_t v[16], m[16];
  for (int i = 0; i < 16; i++) memcpy(&m[i], block + 8 * i, 8);
  for (int i = 0; i < 8; i++) {
    v[i] = h[i];
    v[i + 8] = IV[i];
  }
  v[12] ^= t;
  if (last) v[14] = ~v[14];
  for (int r = 0; r < 12; r++) {
    const uint8_t *s = SIGMA[r];
    BG(0, 4, 8, 12, m[s[0]], m[s[1]]);
    BG(1, 5, 9, 13, m[s[2]], m[s[3]]);
    BG(2, 6, 10, 14, m[s[4]], m[s[5]]);
    BG(3, 7, 11, 15, m[s[6]], m[s[7]]);
    BG(0, 5, 10, 15, m[s[8]], m[s[9]]);
    BG(1, 6, 11, 12, m[s[10]], m[s[11]]);
    BG(2, 7, 8, 13, m[s[12]], m[s[13]]);
    BG(3, 4, 9, 14, m[s[14]], m[s[15]]);
  }
  for (int i = 0; i < 8; i++) h[i] ^= v[i] ^ v[i + 8];
}

static uint64_t baseline_value(const uint64_t root[4], uint64_t nonce) {
  uint64_t h[8];
  uint8_t block[128] = {0};
  for (int i = 0; i < 8; i++) h[i] = IV[i];
  h[0] ^= 0x01010000ULL ^ 8; /* digest length 8, no key, fanout 1, depth 1 */
  memcpy(block, &nonce, 8);
  memcpy(block + 8, root, 32);
  baseline_compress(h, block, 40, 1);
  uint64_t out;
  memcpy(&out, h, 8);
  return out;
}

uint64_t work_baseline(const uint64_t root[4], uint64_t target, uint64_t start, uint64_t count) {
  uint64_t met = 0;
  for (uint64_t i = 0; i < count; i++) met += baseline_value(root, start + i) >= target;
  return met;
}
