/**
 * The GPU's place in `powgate bench`: the WebGPU generator (issue 6, GPU half)
 * sets this to a function that measures its hash rate for about `seconds`, or
 * says why there is none. Undefined: the table shows "not built".
 */
export type GpuBench = (seconds: number) => Promise<{ readonly device: string; readonly mhs: number } | { readonly none: string }>;

export const benchGpu: GpuBench | undefined = undefined;
