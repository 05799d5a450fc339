/**
 * The search kernel's interface (./wasm.ts builds the module): where the root,
 * the nonce and the value sit in its memory, its export, and how a module is
 * compiled and instantiated. Kept apart from the emitter so that a CPU worker
 * (./cpu-worker.ts) loads only this.
 */

export const ROOT_OFFSET = 0;
export const NONCE_OFFSET = 32;
export const VALUE_OFFSET = 40;

export interface SearchExports {
  search(target: bigint, start: bigint, count: number): number;
  readonly memory: { readonly buffer: ArrayBuffer };
}

/**
 * A compiled kernel (a WebAssembly.Module). The project's type libraries
 * (es2023, @types/node 20) do not declare the WebAssembly namespace, and a
 * global declaration here would clash with newer ones, so the few entry points
 * used are typed locally.
 */
export type CompiledKernel = { readonly __brand: 'WebAssembly.Module' };

interface WasmRuntime {
  Module: new (bytes: Uint8Array) => CompiledKernel;
  Instance: new (module: CompiledKernel, imports: object) => { readonly exports: unknown };
}

const wasm = (globalThis as unknown as { WebAssembly: WasmRuntime }).WebAssembly;

export function compileKernel(bytes: Uint8Array): CompiledKernel {
  return new wasm.Module(bytes);
}

/** A fresh instance of the kernel, with its own memory (one per thread). */
export function instantiateKernel(module: CompiledKernel): SearchExports {
  return new wasm.Instance(module, {}).exports as SearchExports;
}
