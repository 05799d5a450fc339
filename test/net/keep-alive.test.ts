import net from 'node:net';
import { expect } from 'chai';
import { closeIdleKeepAlive, KeepAliveTarget } from '../../lib/net/keep-alive.js';

interface RawRequest {
  readonly head: string;
  readonly body: string;
  /** Which connection (0, 1, ...) it came on. */
  readonly connection: number;
}

type Reply = (request: RawRequest, socket: net.Socket) => void;

/** A loopback HTTP server that answers with exactly the bytes a test scripts, to exercise framing. */
class RawServer {
  readonly requests: RawRequest[] = [];
  readonly sockets: net.Socket[] = [];
  closes = 0;
  reply: Reply = (_r, s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}');
  readonly #server = net.createServer((socket) => {
    const index = this.sockets.length;
    this.sockets.push(socket);
    socket.on('close', () => this.closes++);
    socket.on('error', () => {});
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buffered.slice(0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const request = { head, body: buffered.slice(end + 4, end + 4 + length), connection: index };
        buffered = buffered.slice(end + 4 + length);
        this.requests.push(request);
        this.reply(request, socket);
      }
    });
  });
  url = '';

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as net.AddressInfo).port}/`;
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

const post = (url: string, body = '{"action":"x"}', maxBytes = 1024, signal?: AbortSignal) =>
  new KeepAliveTarget(new URL(url)).post(body, { maxBytes, signal });

const failure = async (p: Promise<unknown>): Promise<Error> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'it should have failed').to.be.instanceOf(Error);
  return err as Error;
};

describe('net/keep-alive: the lean HTTP/1.1 client for rpc peers', () => {
  let server: RawServer;
  beforeEach(async () => {
    server = await new RawServer().start();
  });
  afterEach(async () => {
    closeIdleKeepAlive();
    await server.close();
  });

  it('sends the request node:http sends (Host, JSON type, length, Basic auth from the URL) and reuses the connection', async () => {
    const url = server.url.replace('http://', 'http://us%40er:p%3Ass@').replace(/\/$/, '/rpc?x=1');
    expect(await post(url, '{"a":"é"}')).to.deep.equal({ status: 200, body: '{}' });
    expect(await post(url, '{}')).to.deep.equal({ status: 200, body: '{}' });
    const [first, second] = server.requests;
    const lines = first?.head.split('\r\n') ?? [];
    expect(lines[0]).to.equal('POST /rpc?x=1 HTTP/1.1');
    expect(lines).to.include(`Host: ${new URL(server.url).host}`);
    expect(lines).to.include('Content-Type: application/json');
    expect(lines).to.include(`Content-Length: ${Buffer.byteLength('{"a":"é"}')}`);
    expect(lines).to.include(`Authorization: Basic ${Buffer.from('us@er:p:ss').toString('base64')}`);
    expect(Buffer.from(first?.body ?? '', 'latin1').toString('utf8')).to.equal('{"a":"é"}');
    expect(second?.connection, 'one keep-alive connection for both').to.equal(0);
  });

  it('reads chunked answers, however the bytes are split, with extensions and trailers', async () => {
    const answer = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\n{"wor\r\n0d\r\nk":"abcdef01"\r\n1\r\n}\r\n0\r\nX-Trailer: y\r\n\r\n';
    server.reply = (_r, socket) => {
      // One byte per write, each its own segment (Nagle off on the server side).
      socket.setNoDelay(true);
      let i = 0;
      const next = (): void => {
        if (i < answer.length) socket.write(answer[i++] as string, next);
      };
      next();
    };
    expect(await post(server.url)).to.deep.equal({ status: 200, body: '{"work":"abcdef01"}' });
    expect(await post(server.url)).to.deep.equal({ status: 200, body: '{"work":"abcdef01"}' });
    expect(server.sockets).to.have.length(1);
  });

  it('reads an answer framed by the connection closing, and does not reuse that connection', async () => {
    server.reply = (_r, socket) => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n{"error":"x"}');
    expect(await post(server.url)).to.deep.equal({ status: 400, body: '{"error":"x"}' });
    expect(await post(server.url)).to.deep.equal({ status: 400, body: '{"error":"x"}' });
    expect(server.sockets).to.have.length(2);
  });

  it('honours Connection: close, HTTP/1.0 and a Keep-Alive hint too short to reuse, and skips 100 Continue', async () => {
    const answers = [
      'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}',
      'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}',
      'HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\n\r\n{}',
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n[1]',
      'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n{}',
      'HTTP/1.1 200\r\ncontent-length:2\r\n\r\n{}',
    ];
    server.reply = (_r, socket) => socket.write(answers.shift() as string);
    for (let i = 0; i < 6; i++) await post(server.url);
    // Connections: close, 1.0, hint each end one; 100-continue's and the 1.0 keep-alive one carry on.
    expect(server.requests.map((r) => r.connection)).to.deep.equal([0, 1, 2, 3, 3, 3]);
  });

  it('bounds the answer: Content-Length, chunked and close-framed bodies past maxBytes, and the header block', async () => {
    server.reply = (_r, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n');
    expect((await failure(post(server.url, '{}', 100))).message).to.equal('response larger than 100 bytes');
    server.reply = (_r, socket) => socket.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'40\r\n'}${'x'.repeat(64)}\r\n${'40\r\n'}`);
    expect((await failure(post(server.url, '{}', 100))).message).to.equal('response larger than 100 bytes');
    server.reply = (_r, socket) => socket.write(`HTTP/1.1 200 OK\r\n\r\n${'x'.repeat(200)}`);
    expect((await failure(post(server.url, '{}', 100))).message).to.equal('response larger than 100 bytes');
    server.reply = (_r, socket) => socket.write(`HTTP/1.1 200 OK\r\nX-Big: ${'x'.repeat(20_000)}`);
    expect((await failure(post(server.url))).message).to.match(/headers larger than 16384 bytes/);
    // Each of these dropped its connection.
    await new Promise((r) => setTimeout(r, 50));
    expect(server.closes).to.equal(4);
  });

  it('fails on a broken answer and drops that connection', async () => {
    for (const bad of ['HTTP/2 200\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n']) {
      server.reply = (_r, socket) => socket.write(bad);
      expect((await failure(post(server.url))).message).to.match(/^malformed HTTP response/);
    }
    server.reply = (_r, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}{}');
    expect((await failure(post(server.url))).message).to.equal('malformed HTTP response: more bytes than Content-Length');
  });

  it('says "socket hang up" when the peer closes before answering, and names a refused connection', async () => {
    server.reply = (_r, socket) => socket.destroy();
    const hangUp = await failure(post(server.url));
    expect(hangUp.message).to.equal('socket hang up');
    expect((hangUp as NodeJS.ErrnoException).code).to.equal('ECONNRESET');
    const port = new URL(server.url).port;
    await server.close();
    const refused = await failure(post(`http://127.0.0.1:${port}/`));
    expect((refused as NodeJS.ErrnoException).code).to.equal('ECONNREFUSED');
  });

  it('an abort closes the connection (the peer reads it as a cancel) and rejects as an AbortError', async () => {
    server.reply = () => {};
    const controller = new AbortController();
    const pending = post(server.url, '{}', 1024, controller.signal);
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    const err = await failure(pending);
    expect(err.name).to.equal('AbortError');
    while (server.closes === 0) await new Promise((r) => setTimeout(r, 5));
    const aborted = new AbortController();
    aborted.abort();
    expect((await failure(post(server.url, '{}', 1024, aborted.signal))).name).to.equal('AbortError');
    expect(server.requests).to.have.length(1);
  });

  it('drops an idle connection that receives bytes nobody asked for', async () => {
    expect((await post(server.url)).body).to.equal('{}');
    server.sockets[0]?.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}');
    while (server.closes === 0) await new Promise((r) => setTimeout(r, 5));
    expect((await post(server.url)).body).to.equal('{}');
    expect(server.requests.map((r) => r.connection)).to.deep.equal([0, 1]);
  });

  it('runs many requests at once over a bounded set of connections', async () => {
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => post(server.url, `{"i":${i}}`)));
    expect(results.every((r) => r.body === '{}')).to.equal(true);
    expect(server.sockets.length).to.be.at.most(256);
    expect(server.requests).to.have.length(300);
  });
});
