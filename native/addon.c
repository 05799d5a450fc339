/*
 * N-API binding of the nonce kernels. Every call is synchronous and short: the
 * pool's worker threads call search() for slices of a few milliseconds and
 * look at the shared cancel flags between slices, so no call here blocks the
 * main event loop and nothing needs its own threads.
 *
 *   search(root: Uint8Array(32), target: bigint, start: bigint, count: number, isa: number): bigint | null
 *   values(root: Uint8Array(32), start: bigint, isa: number): bigint[]   (one search step's kernel call, all lanes)
 *   baseline(root: Uint8Array(32), target: bigint, start: bigint, count: number): number
 *   isas: string[]  (names by index: scalar, avx2, avx512)
 *   supported: number[]  (indexes this processor runs, best last)
 */
#include <node_api.h>
#include <stdio.h>
#include <string.h>

#include "work.h"

#define CHECK(call)                                             \
  do {                                                          \
    if ((call) != napi_ok) {                                    \
      napi_throw_error(env, NULL, "powgate_work: " #call);      \
      return NULL;                                              \
    }                                                           \
  } while (0)

static int read_root(napi_env env, napi_value value, uint64_t root[4]) {
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_get_typedarray_info(env, value, &type, &length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array ||
      length != 32) {
    napi_throw_type_error(env, NULL, "root must be a Uint8Array of 32 bytes");
    return 0;
  }
  memcpy(root, data, 32); /* x86-64 and arm64 are little-endian: the words are LE as the spec wants */
  return 1;
}

static int read_u64(napi_env env, napi_value value, const char *what, uint64_t *out) {
  bool lossless;
  if (napi_get_value_bigint_uint64(env, value, out, &lossless) != napi_ok || !lossless) {
    char message[64];
    snprintf(message, sizeof message, "%s must be a bigint in u64 range", what);
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  return 1;
}

static int read_isa(napi_env env, napi_value value, enum work_isa *out) {
  int32_t isa;
  if (napi_get_value_int32(env, value, &isa) != napi_ok || isa < 0 || isa >= WORK_ISA_COUNT ||
      !work_isa_supported((enum work_isa)isa)) {
    napi_throw_range_error(env, NULL, "instruction set not supported by this processor");
    return 0;
  }
  *out = (enum work_isa)isa;
  return 1;
}

static napi_value search(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 5) {
    napi_throw_type_error(env, NULL, "search(root, target, start, count, isa)");
    return NULL;
  }
  uint64_t root[4], target, start, found;
  uint32_t count;
  enum work_isa isa;
  if (!read_root(env, argv[0], root) || !read_u64(env, argv[1], "target", &target) ||
      !read_u64(env, argv[2], "start", &start) || !read_isa(env, argv[4], &isa)) {
    return NULL;
  }
  if (napi_get_value_uint32(env, argv[3], &count) != napi_ok) {
    napi_throw_type_error(env, NULL, "count must be a number");
    return NULL;
  }
  napi_value result;
  if (work_search(isa, root, target, start, count, &found)) {
    CHECK(napi_create_bigint_uint64(env, found, &result));
  } else {
    CHECK(napi_get_null(env, &result));
  }
  return result;
}

static napi_value values(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "values(root, start, isa)");
    return NULL;
  }
  uint64_t root[4], start, out[16];
  enum work_isa isa;
  if (!read_root(env, argv[0], root) || !read_u64(env, argv[1], "start", &start) || !read_isa(env, argv[2], &isa)) {
    return NULL;
  }
  work_values(isa, root, start, out);
  napi_value array;
  CHECK(napi_create_array_with_length(env, work_lanes[isa], &array));
  for (unsigned i = 0; i < work_lanes[isa]; i++) {
    napi_value v;
    CHECK(napi_create_bigint_uint64(env, out[i], &v));
    CHECK(napi_set_element(env, array, i, v));
  }
  return array;
}

static napi_value baseline(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "baseline(root, target, start, count)");
    return NULL;
  }
  uint64_t root[4], target, start;
  uint32_t count;
  if (!read_root(env, argv[0], root) || !read_u64(env, argv[1], "target", &target) ||
      !read_u64(env, argv[2], "start", &start)) {
    return NULL;
  }
  if (napi_get_value_uint32(env, argv[3], &count) != napi_ok) {
    napi_throw_type_error(env, NULL, "count must be a number");
    return NULL;
  }
  napi_value result;
  CHECK(napi_create_double(env, (double)work_baseline(root, target, start, count), &result));
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn, names, supported, s;
  CHECK(napi_create_function(env, "search", NAPI_AUTO_LENGTH, search, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "search", fn));
  CHECK(napi_create_function(env, "values", NAPI_AUTO_LENGTH, values, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "values", fn));
  CHECK(napi_create_function(env, "baseline", NAPI_AUTO_LENGTH, baseline, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "baseline", fn));
  CHECK(napi_create_array_with_length(env, WORK_ISA_COUNT, &names));
  CHECK(napi_create_array(env, &supported));
  uint32_t n = 0;
  for (int i = 0; i < WORK_ISA_COUNT; i++) {
    CHECK(napi_create_string_utf8(env, work_isa_names[i], NAPI_AUTO_LENGTH, &s));
    CHECK(napi_set_element(env, names, (uint32_t)i, s));
    if (work_isa_supported((enum work_isa)i)) {
      CHECK(napi_create_int32(env, i, &s));
      CHECK(napi_set_element(env, supported, n++, s));
    }
  }
  CHECK(napi_set_named_property(env, exports, "isas", names));
  CHECK(napi_set_named_property(env, exports, "supported", supported));
  return exports;
}
