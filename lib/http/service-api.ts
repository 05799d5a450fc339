import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { DpowError } from '../errors.js';
import type { DpowApi } from '../services/dpow-api.js';
import { pyDumps } from '../services/dpow-json.js';
import { BodyTooLargeError, readBody } from './body.js';

/** DPoW's aiohttp limit on one inbound websocket message; a bigger one closes the socket (1009). */
export const MAX_FRAME = 2048;
/** Frames a client may send ahead of the answers on one socket; more closes it (1008): the queue is bounded. */
export const MAX_QUEUED_FRAMES = 32;

/** Whether a request's URL is the DPoW service API's POST endpoint, with or without its slash. */
export function isServiceUrl(url: string | undefined): boolean {
  if (url === undefined || !url.startsWith('/service')) return false;
  const rest = url.slice(8);
  return rest === '' || rest === '/' || rest.startsWith('?') || rest.startsWith('/?');
}

/**
 * POST /service/: one request, one JSON answer, HTTP 200 whatever it says.
 * Without its slash the path is redirected (308), as the server's
 * normalize_path_middleware does, and never served.
 */
export async function servicePost(req: http.IncomingMessage, res: http.ServerResponse, api: DpowApi, bodyLimit: number): Promise<void> {
  const url = req.url ?? '';
  if (!url.startsWith('/service/')) {
    res.writeHead(308, { Location: `/service/${url.slice(8)}`, 'Content-Length': '0' }).end();
    req.resume();
    return;
  }
  let text: string;
  try {
    text = await readBody(req, bodyLimit);
  } catch (err) {
    if (err instanceof BodyTooLargeError) send(res, pyDumps({ error: DpowError.BadRequest }), true);
    return;
  }
  send(res, await api(text, 'post'));
}

function send(res: http.ServerResponse, body: string, close = false): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    ...(close ? { Connection: 'close' } : {}),
  });
  res.end(body);
}

export interface ServiceSocketOptions {
  readonly api: DpowApi;
  /** Most websockets open at once; more are refused (HTTP 503). */
  readonly maxSockets: number;
  /** A socket is pinged this often (ms); one that has not answered the last ping by the next is dropped. */
  readonly heartbeat: number;
}

export interface ServiceSockets {
  /** Open websockets. */
  readonly open: number;
  close(): void;
}

/**
 * The `/service_ws/` websocket on `server`: each text frame is one request,
 * each answer one text frame. A socket's requests are handled one at a time,
 * in order, so its answers come in the order of its requests (each with its
 * `id` when one was sent) and can never be mixed up; binary frames are
 * ignored, as the server does.
 */
export function attachServiceSockets(server: http.Server, options: ServiceSocketOptions): ServiceSockets {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME, perMessageDeflate: false, clientTracking: false });
  const sockets = new Set<WebSocket>();
  const alive = new WeakSet<WebSocket>();

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => {});
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/service_ws/' && path !== '/service_ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    if (sockets.size >= options.maxSockets) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws));
  };
  server.on('upgrade', onUpgrade);

  const serve = (ws: WebSocket): void => {
    sockets.add(ws);
    alive.add(ws);
    const queue: string[] = [];
    let busy = false;
    const pump = async (): Promise<void> => {
      busy = true;
      while (queue.length > 0 && ws.readyState === ws.OPEN) {
        const frame = queue.shift() as string;
        let reply: string;
        try {
          reply = await options.api(frame, 'ws');
        } catch {
          // The api answers every request itself; this is a bug's last line, never a silent socket.
          reply = pyDumps({ error: DpowError.unknown(new Date().toISOString()) });
        }
        if (ws.readyState === ws.OPEN) ws.send(reply);
      }
      busy = false;
    };
    ws.on('message', (data, isBinary) => {
      alive.add(ws);
      if (isBinary) return;
      if (queue.length >= MAX_QUEUED_FRAMES) {
        ws.close(1008, 'too many requests queued on this socket');
        return;
      }
      queue.push(data.toString());
      if (!busy) void pump();
    });
    ws.on('pong', () => alive.add(ws));
    ws.on('error', () => {});
    ws.on('close', () => sockets.delete(ws));
  };

  const heartbeat = setInterval(() => {
    for (const ws of sockets) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, options.heartbeat);
  heartbeat.unref();

  return {
    get open() {
      return sockets.size;
    },
    close() {
      clearInterval(heartbeat);
      server.off('upgrade', onUpgrade);
      for (const ws of sockets) ws.terminate();
      sockets.clear();
      wss.close();
    },
  };
}
