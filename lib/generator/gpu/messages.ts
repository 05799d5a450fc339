/** Messages between the GPU worker host (./threaded.ts) and its worker (./worker.ts). */

import type { GpuAdapterInfo } from './device.js';

export type ToWorker =
  | { readonly op: 'generate'; readonly id: number; readonly root: Uint8Array; readonly target: bigint }
  | { readonly op: 'abort'; readonly id: number }
  | { readonly op: 'range'; readonly id: number; readonly root: Uint8Array; readonly target: bigint; readonly base: bigint; readonly count: number }
  | { readonly op: 'close' };

export type FromWorker =
  | { readonly op: 'ready'; readonly info: GpuAdapterInfo }
  | { readonly op: 'unavailable'; readonly reason: string }
  | { readonly op: 'done'; readonly id: number; readonly nonce: bigint | undefined }
  | { readonly op: 'failed'; readonly id: number; readonly error: { readonly name: string; readonly message: string } }
  | { readonly op: 'invalid'; readonly root: Uint8Array; readonly nonce: bigint; readonly target: bigint }
  | { readonly op: 'closed' };
