/**
 * Finding a GPU through Dawn (the `webgpu` package).
 *
 * Adapter discovery runs first in a short-lived child process: a driver that
 * crashes or hangs there costs a bounded wait and a reason, never this process.
 * Only a backend the child could open is then opened here, again under a time
 * limit. Dawn's own warnings (e.g. "Couldn't load Vulkan") stay in the child's
 * stderr, which becomes part of the reason when nothing is found.
 *
 * Backends: `vulkan` (NVIDIA/AMD/Intel GPUs; needs libvulkan1 and the driver's
 * ICD), `opengl` (through EGL; on a machine without a GPU that is Mesa's
 * llvmpipe, so CI runs the GPU path on its CPUs), `auto` = vulkan first, then
 * opengl. Dawn rejects lavapipe (Mesa's software Vulkan).
 */

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export type GpuBackendChoice = 'auto' | 'opengl' | 'vulkan';
export type GpuBackend = 'opengl' | 'vulkan';

export interface GpuOpenOptions {
  /** Adapter name (Dawn's `adapter=` flag: the name as Dawn lists it). */
  readonly adapter?: string | undefined;
  readonly backend?: GpuBackendChoice | undefined;
  /** Bound on discovery in the child and on opening here. Default 20 s (llvmpipe's first shader cache fill is slow). */
  readonly timeoutMs?: number | undefined;
  /** Refuse software rasterisers (llvmpipe and kin): they only take cores from the CPU workers. */
  readonly hardwareOnly?: boolean | undefined;
  /** A probe already run (by the main thread, for a worker): skips probing again. */
  readonly probed?: GpuAdapterInfo | undefined;
}

export interface GpuAdapterInfo {
  readonly backend: GpuBackend;
  /** Human-readable: vendor, device, description as far as the driver gives them. */
  readonly name: string;
  /** True for Mesa's software rasteriser (llvmpipe/softpipe). */
  readonly software: boolean;
}

export interface OpenedGpu {
  readonly info: GpuAdapterInfo;
  readonly device: GPUDevice;
  /**
   * Dawn's instance. It must stay reachable as long as the device is used:
   * once it is garbage-collected, dawn.node tears down under the live device
   * and the process aborts.
   */
  readonly instance: GPU;
}

export type GpuUnavailable = { readonly unavailable: string };

const DEFAULT_TIMEOUT_MS = 20_000;

/** Headless EGL: without an X or Wayland display Mesa's default platform (x11) fails to initialise. */
function eglEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env.EGL_PLATFORM || env.DISPLAY || env.WAYLAND_DISPLAY) return env;
  return { ...env, EGL_PLATFORM: 'surfaceless' };
}

/**
 * Sets EGL_PLATFORM=surfaceless for Mesa when there is no display. Call it on
 * the main thread before starting a worker that opens the GPU: a worker's
 * process.env is a private copy, which native code never sees.
 */
export function prepareEglEnv(): void {
  const env = eglEnv(process.env);
  if (env.EGL_PLATFORM && !process.env.EGL_PLATFORM) process.env.EGL_PLATFORM = env.EGL_PLATFORM;
}

function dawnFlags(backend: GpuBackend, adapter: string | undefined): string[] {
  const flags = [`backend=${backend}`];
  if (adapter) flags.push(`adapter=${adapter}`);
  return flags;
}

function adapterOptions(backend: GpuBackend): GPURequestAdapterOptions {
  // OpenGL only reaches WebGPU's compatibility feature level.
  return backend === 'opengl' ? ({ featureLevel: 'compatibility' } as GPURequestAdapterOptions) : { powerPreference: 'high-performance' };
}

function describeAdapter(backend: GpuBackend, info: GPUAdapterInfo | undefined): GpuAdapterInfo {
  const parts = [info?.vendor, info?.architecture, info?.device, info?.description]
    .filter((s): s is string => typeof s === 'string' && s.trim() !== '')
    .map((s) => s.trim().replace(/-+$/, ''));
  const name = [...new Set(parts)].join(' / ') || 'unnamed adapter';
  return { backend, name, software: /llvmpipe|softpipe|swiftshader|lavapipe/i.test(name) };
}

/** The source run by the probe child: tries each backend, prints one JSON line. */
const PROBE_SOURCE = `
const [url, backendsJson, adapter] = process.argv.slice(1);
const { create } = await import(url);
const out = [];
for (const backend of JSON.parse(backendsJson)) {
  try {
    const gpu = create(adapter ? ['backend=' + backend, 'adapter=' + adapter] : ['backend=' + backend]);
    const a = await gpu.requestAdapter(backend === 'opengl' ? { featureLevel: 'compatibility' } : { powerPreference: 'high-performance' });
    if (!a) { out.push({ backend, error: 'no adapter' }); continue; }
    const i = a.info;
    out.push({ backend, info: { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description } });
    break;
  } catch (err) {
    out.push({ backend, error: String(err && err.message || err) });
  }
}
process.stdout.write(JSON.stringify(out) + '\\n');
process.exit(0);
`;

interface ProbeEntry {
  readonly backend: GpuBackend;
  readonly error?: string;
  readonly info?: GPUAdapterInfo;
}

function backendsFor(choice: GpuBackendChoice): GpuBackend[] {
  return choice === 'auto' ? ['vulkan', 'opengl'] : [choice];
}

function loadError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const probes = new Map<string, Promise<GpuAdapterInfo | GpuUnavailable>>();

/**
 * Runs discovery in a child process; resolves with the first backend that has
 * an adapter. Remembered per process and choice: the hardware does not change
 * while we run, and every server start in one process then pays only once.
 */
export function probeGpu(options: GpuOpenOptions = {}): Promise<GpuAdapterInfo | GpuUnavailable> {
  const key = JSON.stringify([options.backend ?? 'auto', options.adapter ?? '']);
  let probe = probes.get(key);
  if (!probe) {
    probe = runProbe(options);
    probes.set(key, probe);
  }
  return probe;
}

function runProbe(options: GpuOpenOptions): Promise<GpuAdapterInfo | GpuUnavailable> {
  const backends = backendsFor(options.backend ?? 'auto');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let url: string;
  try {
    // createRequire rather than import.meta.resolve: the test runner's transform lacks the latter.
    url = pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
  } catch (err) {
    return Promise.resolve({ unavailable: `the webgpu package is not installed (${loadError(err)})` });
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', PROBE_SOURCE, url, JSON.stringify(backends), options.adapter ?? ''], {
      env: eglEnv(process.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ unavailable: `adapter discovery did not finish within ${timeoutMs} ms` });
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ unavailable: `could not start the adapter probe: ${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop() ?? '';
      let entries: ProbeEntry[] | undefined;
      try {
        entries = JSON.parse(line) as ProbeEntry[];
      } catch {
        entries = undefined;
      }
      const found = entries?.find((e) => e.info);
      if (found?.info) {
        resolve(describeAdapter(found.backend, found.info));
        return;
      }
      const tried = entries?.map((e) => `${e.backend}: ${e.error ?? 'no adapter'}`).join('; ');
      const dawn = firstDawnWarning(stderr);
      const exit = code === 0 ? '' : ` (probe exited with ${signal ?? `code ${code}`})`;
      resolve({ unavailable: `no usable GPU adapter${tried ? ` (${tried})` : ''}${dawn ? `: ${dawn}` : ''}${exit}` });
    });
  });
}

/** Dawn prints "Warning: <what>" followed by a stack-like "at ..." line; keep the first few whats. */
function firstDawnWarning(stderr: string): string {
  return stderr
    .split('\n')
    .filter((l) => /^(Warning|Error):/.test(l) && !/artificially reduced/.test(l))
    .slice(0, 3)
    .map((l) => l.replace(/^(Warning|Error):\s*/, ''))
    .join('; ');
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Probes, then opens the adapter and a device in this process. Resolves with
 * `{ unavailable }` (and a reason) rather than throwing when there is no GPU.
 */
export async function openGpu(options: GpuOpenOptions = {}): Promise<OpenedGpu | GpuUnavailable> {
  const probed = options.probed ?? (await probeGpu(options));
  if ('unavailable' in probed) return probed;
  if (options.hardwareOnly && probed.software) return { unavailable: `only a software adapter was found (${probed.name})` };
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { backend } = probed;
  try {
    if (backend === 'opengl') prepareEglEnv();
    const { create } = await import('webgpu');
    const gpu = create(dawnFlags(backend, options.adapter));
    const adapter = await withTimeout(gpu.requestAdapter(adapterOptions(backend)), timeoutMs, 'requestAdapter');
    if (!adapter) return { unavailable: `${backend}: the adapter found by the probe did not open here` };
    const limits = adapter.limits;
    const device = await withTimeout(
      adapter.requestDevice({
        requiredLimits: {
          maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
        },
      }),
      timeoutMs,
      'requestDevice',
    );
    return { info: describeAdapter(backend, adapter.info), device, instance: gpu };
  } catch (err) {
    return { unavailable: `${backend}: ${loadError(err)}` };
  }
}
