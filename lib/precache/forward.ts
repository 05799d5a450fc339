import { postJson } from '../net/post-json.js';
import { scrubText, urlLabel, urlSecrets } from '../secrets.js';
import type { Telemetry } from '../telemetry/events.js';

/** Forwards waiting at once past this are dropped: a flood of callbacks to a slow target must not pile up. */
const MAX_PENDING = 1000;

/**
 * Relays the node's callback body, unchanged, to every configured URL at
 * once, each bounded by `timeout`. Fire-and-forget: the node's own request is
 * answered without waiting, and outcomes are events (URLs without credentials).
 */
export function callbackForwarder(urls: readonly string[], timeout: number, events: Telemetry): (raw: string) => void {
  const targets = urls.map((text) => {
    const url = new URL(text);
    return { url, label: urlLabel(url), secrets: urlSecrets(url) };
  });
  let pending = 0;
  return (raw) => {
    for (const { url, label, secrets } of targets) {
      if (pending >= MAX_PENDING) {
        events.emit('forward', { url: label, outcome: 'dropped' });
        continue;
      }
      pending++;
      postJson(url, raw, { signal: AbortSignal.timeout(timeout), maxBytes: 64 * 1024 })
        .then(
          (res) => {
            const ok = res.status >= 200 && res.status < 300;
            events.emit('forward', { url: label, outcome: ok ? 'ok' : 'failed', ...(ok ? {} : { error: `HTTP ${res.status}` }) });
          },
          (err: unknown) =>
            events.emit('forward', { url: label, outcome: 'failed', error: scrubText(err instanceof Error ? err.message : String(err), { secrets }) }),
        )
        .finally(() => pending--);
    }
  };
}
