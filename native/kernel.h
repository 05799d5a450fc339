/*
 * One specialised BLAKE2b-64 nonce kernel, included once per instruction set
 * by work.c with these macros defined:
 *   KNAME(x)   the function name suffix, e.g. x##_avx512
 *   KATTR      the function attribute (a target("...") or nothing)
 *   V          the lane type (uint64_t, __m256i, __m512i)
 *   SET1(x)    broadcast a u64 constant
 *   ADD, XOR   lane-wise 64-bit add and xor
 *   ROR32, ROR24, ROR16, ROR63   lane-wise rotates right
 *
 * The message block is LE(nonce) || root (4 words) || zeros: words 5..15 are
 * zero, so their additions are dropped at the preprocessor level (ADDM_5..15
 * expand to nothing). Parameter block: digest length 8, fanout 1, depth 1;
 * t = 40 bytes; last block. Only the first output word is computed.
 */

#define ADDM_0(a) a = ADD(a, m0)
#define ADDM_1(a) a = ADD(a, m1)
#define ADDM_2(a) a = ADD(a, m2)
#define ADDM_3(a) a = ADD(a, m3)
#define ADDM_4(a) a = ADD(a, m4)
#define ADDM_5(a)
#define ADDM_6(a)
#define ADDM_7(a)
#define ADDM_8(a)
#define ADDM_9(a)
#define ADDM_10(a)
#define ADDM_11(a)
#define ADDM_12(a)
#define ADDM_13(a)
#define ADDM_14(a)
#define ADDM_15(a)
#define ADDM(a, i) ADDM_##i(a)

#define G(a, b, c, d, x, y)      \
  do {                           \
    a = ADD(a, b);               \
    ADDM(a, x);                  \
    d = ROR32(XOR(d, a));        \
    c = ADD(c, d);               \
    b = ROR24(XOR(b, c));        \
    a = ADD(a, b);               \
    ADDM(a, y);                  \
    d = ROR16(XOR(d, a));        \
    c = ADD(c, d);               \
    b = ROR63(XOR(b, c));        \
  } while (0)

#define ROUND(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15) \
  do {                                   \
    G(v0, v4, v8, v12, s0, s1);          \
    G(v1, v5, v9, v13, s2, s3);          \
    G(v2, v6, v10, v14, s4, s5);         \
    G(v3, v7, v11, v15, s6, s7);         \
    G(v0, v5, v10, v15, s8, s9);         \
    G(v1, v6, v11, v12, s10, s11);       \
    G(v2, v7, v8, v13, s12, s13);        \
    G(v3, v4, v9, v14, s14, s15);        \
  } while (0)

#define SIGMA0 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
#define SIGMA1 14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3
#define SIGMA2 11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4
#define SIGMA3 7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8
#define SIGMA4 9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13
#define SIGMA5 2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9
#define SIGMA6 12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11
#define SIGMA7 13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10
#define SIGMA8 6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5
#define SIGMA9 10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0
#define EXPAND_ROUND(...) ROUND(__VA_ARGS__)

/* The work value of the nonces in `m0` (one per lane) for the root words r[0..3]. */
static inline __attribute__((always_inline)) KATTR V KNAME(hash)(V m0, const uint64_t r[4]) {
  const V m1 = SET1(r[0]), m2 = SET1(r[1]), m3 = SET1(r[2]), m4 = SET1(r[3]);
  const uint64_t h0 = IV0 ^ 0x01010008ULL;
  V v0 = SET1(h0), v1 = SET1(IV1), v2 = SET1(IV2), v3 = SET1(IV3);
  V v4 = SET1(IV4), v5 = SET1(IV5), v6 = SET1(IV6), v7 = SET1(IV7);
  V v8 = SET1(IV0), v9 = SET1(IV1), v10 = SET1(IV2), v11 = SET1(IV3);
  V v12 = SET1(IV4 ^ 40ULL), v13 = SET1(IV5), v14 = SET1(~IV6), v15 = SET1(IV7);
  EXPAND_ROUND(SIGMA0);
  EXPAND_ROUND(SIGMA1);
  EXPAND_ROUND(SIGMA2);
  EXPAND_ROUND(SIGMA3);
  EXPAND_ROUND(SIGMA4);
  EXPAND_ROUND(SIGMA5);
  EXPAND_ROUND(SIGMA6);
  EXPAND_ROUND(SIGMA7);
  EXPAND_ROUND(SIGMA8);
  EXPAND_ROUND(SIGMA9);
  EXPAND_ROUND(SIGMA0);
  EXPAND_ROUND(SIGMA1);
  return XOR(SET1(h0), XOR(v0, v8));
}

#undef ADDM_0
#undef ADDM_1
#undef ADDM_2
#undef ADDM_3
#undef ADDM_4
#undef ADDM_5
#undef ADDM_6
#undef ADDM_7
#undef ADDM_8
#undef ADDM_9
#undef ADDM_10
#undef ADDM_11
#undef ADDM_12
#undef ADDM_13
#undef ADDM_14
#undef ADDM_15
#undef ADDM
#undef G
#undef ROUND
#undef EXPAND_ROUND
#undef SIGMA0
#undef SIGMA1
#undef SIGMA2
#undef SIGMA3
#undef SIGMA4
#undef SIGMA5
#undef SIGMA6
#undef SIGMA7
#undef SIGMA8
#undef SIGMA9
