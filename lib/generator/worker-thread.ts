/**
 * Starts a worker thread from a compiled module of lib/, named by its .js URL
 * (`new URL('./cpu-worker.js', import.meta.url)`).
 *
 * From dist/ that is the file beside the caller. From source (tests through
 * tsx) there is no .js beside it, and Node 20 does not carry tsx's loader into
 * workers: booting tsx inside each worker costs seconds on a busy machine,
 * far more than the worker itself. So the source tree uses the same file from
 * dist/ (`npm test` builds first) as long as dist/ is newer than every source
 * file under lib/; when it is not, it falls back to the .ts source behind a
 * two-line tsx boot (correct, slow to start) and says so once on stderr.
 */

import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** True when this file (and so every file of lib/) runs from its .ts source. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const ROOT = new URL('../../', import.meta.url);

export function startWorker(compiled: URL, options: Omit<WorkerOptions, 'eval'>): Worker {
  if (!FROM_SOURCE) return new Worker(compiled, options);
  const built = builtCopy(compiled);
  // The compiled copy needs no loader: without tsx's preload (inherited from
  // the test runner's --import=tsx) a worker starts several times faster.
  if (built !== undefined) return new Worker(built, { execArgv: withoutTsx(process.execArgv), ...options });
  return new Worker(tsxBoot(new URL(compiled.href.replace(/\.js$/, '.ts'))), { ...options, eval: true });
}

/** `args` less any preload of tsx (`--import=tsx`, `--import tsx`, `--require tsx/cjs`, `--loader tsx`). */
function withoutTsx(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const flag = /^--(import|require|loader|experimental-loader)(=|$)/.exec(arg);
    if (flag === null) {
      out.push(arg);
      continue;
    }
    const value = flag[2] === '=' ? arg.slice(flag[0].length) : args[i + 1];
    if (value !== undefined && /^tsx(\/|$)/.test(value)) {
      if (flag[2] !== '=') i++;
      continue;
    }
    out.push(arg);
  }
  return out;
}

let distFresh: boolean | undefined;

/** dist/'s copy of a lib/ module, when dist/ is at least as new as every source under lib/. */
function builtCopy(compiled: URL): URL | undefined {
  const rel = compiled.href.startsWith(ROOT.href) ? compiled.href.slice(ROOT.href.length) : undefined;
  if (rel === undefined || !rel.startsWith('lib/')) return undefined;
  const built = new URL(`dist/${rel}`, ROOT);
  distFresh ??= isFresh(built);
  if (distFresh) return built;
  return undefined;
}

function isFresh(built: URL): boolean {
  let builtAt: number;
  try {
    builtAt = statSync(built).mtimeMs;
  } catch {
    warnStale(`${fileURLToPath(built)} is missing`);
    return false;
  }
  const newest = newestSource(fileURLToPath(new URL('lib/', ROOT)));
  if (newest.mtimeMs <= builtAt) return true;
  warnStale(`${newest.path} is newer than dist/`);
  return false;
}

function newestSource(dir: string): { path: string; mtimeMs: number } {
  let newest = { path: dir, mtimeMs: 0 };
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const path = `${entry.parentPath}/${entry.name}`;
    const { mtimeMs } = statSync(path);
    if (mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
  }
  return newest;
}

function warnStale(why: string): void {
  process.stderr.write(`powgate: ${why}; worker threads boot from source through tsx (slow to start): run npm run build\n`);
}

let tsxApi: string | undefined;

/** A script that registers tsx in the worker, then imports the .ts entry. */
function tsxBoot(entry: URL): string {
  // The ESM build of tsx's API (require.resolve finds the CommonJS one beside it).
  tsxApi ??= pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  return `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
}
