/**
 * Child-process entry for the benchmark, so servers and the load generator do
 * not share one event loop. Modes: `bare` (node:http, fixed JSON), `peer`
 * (instant work peer answering from a precomputed table), `powgate`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { Config } from '../lib/config/types.js';
import { startPowgate } from '../lib/server.js';

type Message =
  | { mode: 'bare' }
  | { mode: 'peer'; table: Record<string, string>; delay?: number }
  | { mode: 'powgate'; config: Config; prime?: Array<[string, string, string]> };

const send = (m: unknown): void => {
  process.send?.(m);
};

// SIGINT ends the process through process.exit so a --cpu-prof profile is written.
process.on('SIGINT', () => process.exit(0));
process.once('message', (m: Message) => {
  void start(m).then((url) => send({ url }));
});

async function start(m: Message): Promise<string> {
  if (m.mode === 'powgate') {
    const config = JSON.parse(JSON.stringify(m.config), (k, v: unknown) =>
      k === 'defaultDifficulty' && typeof v === 'string' ? BigInt(v) : v,
    ) as Config;
    const gate = await startPowgate(config, { logger: pino({ level: 'silent' }), registry: new Registry() });
    for (const [root, work, value] of m.prime ?? []) await gate.cache.set(root, BigInt(`0x${work}`), BigInt(`0x${value}`));
    process.on('message', (msg: { stats?: boolean }) => {
      if (msg.stats) void gate.registry.metrics().then((text) => send({ metrics: text }));
    });
    return gate.url;
  }
  let calls = 0;
  const server =
    m.mode === 'bare'
      ? http.createServer((req, res) => {
          // Reads the body like any JSON-RPC server must, then a fixed answer.
          req.resume();
          req.on('end', () => {
            res.writeHead(200, { 'content-type': 'application/json' }).end('{"work":"0000000000000000"}\n');
          });
        })
      : http.createServer((req, res) => {
          const chunks: Buffer[] = [];
          req.on('data', (c: Buffer) => chunks.push(c));
          req.on('end', () => {
            calls++;
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { action: string; hash: string };
            const work = m.table[body.hash];
            const answer = body.action === 'work_generate' && work !== undefined ? JSON.stringify({ work }) : '{"error":"Cancelled"}';
            const reply = (): void => {
              res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
            };
            if (m.delay) setTimeout(reply, m.delay);
            else reply();
          });
        });
  process.on('message', (msg: { calls?: boolean }) => {
    if (msg.calls) send({ calls });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
