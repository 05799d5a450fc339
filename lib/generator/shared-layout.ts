/**
 * The SharedArrayBuffer the pool and its workers coordinate through. Workers
 * never wait on the main thread: they pick jobs from the slot table, claim
 * nonce ranges with Atomics.add, and see cancellation between slices.
 *
 * Word = 8 bytes. An int32 field uses the first half of its word (Int32Array
 * index 2 * word) and is only ever accessed as an int32.
 *
 * Header:
 *   word 0 (i32 half): SHUTDOWN flag
 *   word 1 (i32 half): WAKE counter; bumped and notified when a job is added
 *   word 2 (i32 half): HIGH, one past the highest slot ever activated
 *   word 3: HASHES, total nonces tried (BigInt64)
 * Slot k, at word HEADER_WORDS + k * SLOT_WORDS:
 *   +0 (i32 half): STATE = gen << 12 | claimer << 2 | status
 *   +1: next nonce to hand out (BigInt64, wraps mod 2^64)
 *   +2: target (u64 bits)
 *   +3..+6: root as four LE u64 words
 *
 * A slot's generation changes every time it is given a new job, so a worker
 * still busy with the previous job can neither win nor claim the new one. The
 * worker that finds a nonce wins by compare-and-swap ACTIVE(gen) -> FOUND(gen,
 * claimer) and posts {slot, gen, nonce}; the main thread accepts the message
 * only while the slot still holds that generation.
 */

import type { CompiledKernel } from './wasm-abi.js';

export const SHUTDOWN_I32 = 0;
export const WAKE_I32 = 2;
export const HIGH_I32 = 4;
export const HASHES_WORD = 3;
export const HEADER_WORDS = 4;
export const SLOT_WORDS = 7;
export const SLOT_NEXT = 1;
export const SLOT_TARGET = 2;
export const SLOT_ROOT = 3;

export const Status = { Free: 0, Active: 1, Found: 2 } as const;
export type Status = (typeof Status)[keyof typeof Status];
export const STATUS_MASK = 3;
export const CLAIMER_SHIFT = 2;
export const CLAIMER_MASK = 0x3ff;
export const GEN_SHIFT = 12;
/** 19 bits, so the state word stays a positive int32. */
export const GEN_MASK = 0x7ffff;
/** Claimer ids are 10 bits (the config allows up to 1024 threads). */
export const MAX_THREADS = 1024;

export function slotWord(slot: number): number {
  return HEADER_WORDS + slot * SLOT_WORDS;
}

export function stateIndex(slot: number): number {
  return 2 * slotWord(slot);
}

export function makeState(gen: number, status: Status, claimer = 0): number {
  return (gen << GEN_SHIFT) | (claimer << CLAIMER_SHIFT) | status;
}

export function genOf(state: number): number {
  return (state >>> GEN_SHIFT) & GEN_MASK;
}

export function statusOf(state: number): number {
  return state & STATUS_MASK;
}

export function claimerOf(state: number): number {
  return (state >>> CLAIMER_SHIFT) & CLAIMER_MASK;
}

/** What the pool hands each worker (./cpu-worker.ts) at its start. */
export interface CpuWorkerData {
  /** The WASM kernel, used when `native` is absent. */
  readonly module: CompiledKernel;
  /** The native addon to use instead: its file and the instruction set index (native.ts ISAS). */
  readonly native?: { readonly path: string; readonly isa: number };
  readonly shared: SharedArrayBuffer;
  readonly workerId: number;
  /** Milliseconds one slice should take; slice sizes adapt to it. */
  readonly sliceMs: number;
}

/** What a worker posts when it wins a slot. */
export interface FoundMessage {
  readonly slot: number;
  readonly gen: number;
  readonly nonce: bigint;
}

export function sharedBytes(slots: number): number {
  return (HEADER_WORDS + slots * SLOT_WORDS) * 8;
}
