// Small helpers shared by the network backends and the hub for turning failures into
// messages. Text from the far side goes through scrubText (lib/secrets.ts)
// before it reaches a client answer or a log.

/** The error an aborted job rejects with: the signal's own reason when it is an Error. */
export function abortError(signal: { readonly reason: unknown }): Error {
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
