// Small helpers shared by the network backends for turning failures into
// messages: these end up in client answers and logs, so they carry no secret.

/** The error an aborted job rejects with: the signal's own reason when it is an Error. */
export function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('Aborted', 'AbortError');
}

/** A one-line description of a transport failure, with its errno code. */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code !== undefined && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

/**
 * Upstream text made safe to repeat: cut to a line's length, and any secret
 * it echoes replaced (a server that puts the key in an error must not put it
 * in our logs or answers).
 */
export function upstreamText(text: string, secrets: readonly string[], max = 200): string {
  let out = text;
  for (const secret of secrets) if (secret !== '') out = out.split(secret).join('***');
  out = out.replace(/\s+/g, ' ').trim();
  return out.length > max ? `${out.slice(0, max)}...` : out;
}
