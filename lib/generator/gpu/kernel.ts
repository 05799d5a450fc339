/**
 * One compiled search pipeline on a device, and its dispatches.
 *
 * A dispatch searches `count` nonces from `base` and resolves with the lowest
 * offset whose value reaches the target, or undefined. Several dispatches can
 * be in flight at once (one "lane" each: its own uniform, result and readback
 * buffers), so the device stays busy while the host maps the previous result.
 */

import { buildKernelSource, type GpuKernelSource, NO_HIT, PARAM_HEADER_WORDS, WORKGROUP_SIZE } from './wgsl.js';

// GPUBufferUsage / GPUMapMode values (the globals are not installed in Node).
const USAGE_MAP_READ = 0x0001;
const USAGE_COPY_SRC = 0x0004;
const USAGE_COPY_DST = 0x0008;
const USAGE_UNIFORM = 0x0040;
const USAGE_STORAGE = 0x0080;
const MAP_READ = 0x0001;

const U64 = (1n << 64n) - 1n;

interface Lane {
  readonly params: GPUBuffer;
  readonly result: GPUBuffer;
  readonly readback: GPUBuffer;
  readonly bindGroup: GPUBindGroup;
}

export interface DispatchRequest {
  /** From rootFrontier(): the per-root values the shader reads. */
  readonly frontier: Uint32Array;
  readonly base: bigint;
  readonly target: bigint;
  /** Nonces to try, 1..2^32-1. */
  readonly count: number;
}

export class GpuKernel {
  readonly source: GpuKernelSource;
  readonly #free: Lane[] = [];
  readonly #waiting: ((lane: Lane) => void)[] = [];
  readonly #clear = new Uint32Array([NO_HIT]);
  readonly #maxWorkgroups: number;
  readonly #device: GPUDevice;
  readonly #pipeline: GPUComputePipeline;

  private constructor(device: GPUDevice, pipeline: GPUComputePipeline, source: GpuKernelSource, lanes: number) {
    this.#device = device;
    this.#pipeline = pipeline;
    this.source = source;
    this.#maxWorkgroups = Math.min(device.limits.maxComputeWorkgroupsPerDimension, 65_535);
    for (let i = 0; i < lanes; i++) this.#free.push(this.#makeLane());
  }

  static async create(device: GPUDevice, lanes = 2): Promise<GpuKernel> {
    const source = buildKernelSource();
    const module = device.createShaderModule({ code: source.code });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) {
      throw new Error(`WGSL kernel does not compile: ${errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('; ')}`);
    }
    const pipeline = await device.createComputePipelineAsync({
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
    });
    return new GpuKernel(device, pipeline, source, lanes);
  }

  /** Nonces one dispatch can cover: one per invocation on a maxWorkgroups² grid. */
  get maxCount(): number {
    return Math.min(NO_HIT - 1, this.#maxWorkgroups * this.#maxWorkgroups * WORKGROUP_SIZE);
  }

  async dispatch(req: DispatchRequest): Promise<number | undefined> {
    const { count } = req;
    if (!Number.isInteger(count) || count < 1 || count > this.maxCount) throw new RangeError(`count out of range: ${count}`);
    const lane = await this.#acquire();
    try {
      const needed = Math.ceil(count / WORKGROUP_SIZE);
      const workgroups = Math.min(this.#maxWorkgroups, needed);
      const rows = Math.ceil(needed / workgroups);
      const stride = workgroups * WORKGROUP_SIZE;
      const params = new Uint32Array(this.source.paramBytes / 4);
      const base = req.base & U64;
      params[0] = Number(base & 0xffffffffn);
      params[1] = Number(base >> 32n);
      params[2] = Number(req.target & 0xffffffffn);
      params[3] = Number((req.target >> 32n) & 0xffffffffn);
      params[4] = count;
      params[5] = stride;
      params.set(req.frontier.subarray(0, params.length - PARAM_HEADER_WORDS), PARAM_HEADER_WORDS);

      const { queue } = this.#device;
      queue.writeBuffer(lane.params, 0, params);
      queue.writeBuffer(lane.result, 0, this.#clear);
      const encoder = this.#device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(this.#pipeline);
      pass.setBindGroup(0, lane.bindGroup);
      pass.dispatchWorkgroups(workgroups, rows);
      pass.end();
      encoder.copyBufferToBuffer(lane.result, 0, lane.readback, 0, 4);
      queue.submit([encoder.finish()]);

      await lane.readback.mapAsync(MAP_READ);
      const hit = new Uint32Array(lane.readback.getMappedRange(0, 4))[0]!;
      lane.readback.unmap();
      return hit === NO_HIT ? undefined : hit;
    } finally {
      this.#release(lane);
    }
  }

  destroy(): void {
    for (const lane of this.#free) {
      lane.params.destroy();
      lane.result.destroy();
      lane.readback.destroy();
    }
    this.#free.length = 0;
  }

  #makeLane(): Lane {
    const device = this.#device;
    const params = device.createBuffer({ size: this.source.paramBytes, usage: USAGE_UNIFORM | USAGE_COPY_DST });
    const result = device.createBuffer({ size: 16, usage: USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST });
    const readback = device.createBuffer({ size: 16, usage: USAGE_MAP_READ | USAGE_COPY_DST });
    const bindGroup = device.createBindGroup({
      layout: this.#pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: params } },
        { binding: 1, resource: { buffer: result } },
      ],
    });
    return { params, result, readback, bindGroup };
  }

  #acquire(): Promise<Lane> {
    const lane = this.#free.pop();
    if (lane) return Promise.resolve(lane);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(lane: Lane): void {
    const next = this.#waiting.shift();
    if (next) next(lane);
    else this.#free.push(lane);
  }
}
