import http from 'node:http';
import https from 'node:https';

export interface PostResult {
  readonly status: number;
  readonly body: string;
}

export interface PostOptions {
  readonly signal?: AbortSignal;
  /** Largest response body accepted, in bytes. */
  readonly maxBytes?: number;
  readonly headers?: Record<string, string>;
}

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 256 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 256 }),
};

/**
 * POST a body over keep-alive connections and read the whole answer. Plain
 * node:http rather than fetch: this is on the miss path of every request, and
 * aborting must close the socket, which a node-style peer reads as a cancel.
 */
export function postJson(url: URL, body: string, options: PostOptions = {}): Promise<PostResult> {
  const maxBytes = options.maxBytes ?? 1 << 20;
  return new Promise<PostResult>((resolve, reject) => {
    const isHttps = url.protocol === 'https:';
    const req = (isHttps ? https : http).request(
      url,
      {
        method: 'POST',
        agent: isHttps ? agents.https : agents.http,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...options.headers,
        },
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            req.destroy(new Error(`response larger than ${maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Frees idle keep-alive sockets (at shutdown, so the process can exit). */
export function closeIdleConnections(): void {
  agents.http.destroy();
  agents.https.destroy();
}
