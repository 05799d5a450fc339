import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A node's RPC for forwarding tests: answers like the node (HTTP 200,
 * pretty-printed JSON, trailing newline) and records what it received verbatim.
 */
export class FakeNodeRpc {
  readonly received: string[] = [];
  url = '';
  /** Answer per action; the default echoes the action in a node-shaped body. */
  answers = new Map<string, string>();
  #server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      this.received.push(text);
      let action = '';
      try {
        action = String((JSON.parse(text) as { action?: unknown }).action);
      } catch {
        /* the node answers bad JSON with an error */
      }
      const body = this.answers.get(action) ?? `{\n    "error": "Unknown command"\n}\n`;
      res.writeHead(200, { 'content-type': 'application/json', connection: 'close' }).end(body);
    });
  });

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
