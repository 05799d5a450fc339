import { existsSync, readFileSync } from 'node:fs';

/**
 * deploy/haproxy.cfg (the compose stack's balancer) for loopback: the three
 * compose replicas become `replicas` ports on 127.0.0.1, the frontend binds
 * `front`, and Docker's DNS resolver and the stats page are dropped. The bench
 * and test/deploy.test.ts run the same file this way.
 */
export function loopbackHaproxyConfig(front: number, replicas: readonly number[]): string {
  let cfg = readFileSync(repoFile('deploy/haproxy.cfg'), 'utf8')
    .replace(/^resolvers docker[\s\S]*?\n\n/m, '')
    .replace(/ resolvers docker resolve-prefer ipv4/, '')
    .replace(/^frontend stats[\s\S]*$/m, '')
    .replace(/^ {2}bind :7176$/m, `  bind 127.0.0.1:${front}`);
  const servers = replicas.map((port, i) => `  server powgate-${i + 1} 127.0.0.1:${port} check`).join('\n');
  cfg = cfg.replace(/^ {2}server powgate-1 .*\n {2}server powgate-2 .*\n {2}server powgate-3 .*$/m, servers);
  return cfg;
}

/** A file of the repository, from bench/ under tsx or from dist/bench/ when built. */
function repoFile(path: string): URL {
  for (let dir = new URL('./', import.meta.url), i = 0; i < 4; dir = new URL('../', dir), i++) {
    if (existsSync(new URL('package.json', dir))) return new URL(path, dir);
  }
  throw new Error(`bench: no package.json above ${import.meta.url}`);
}
