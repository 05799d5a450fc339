/**
 * The next uncaught exception, taken from mocha's own handlers for that one
 * exception (which would otherwise fail the test) and handed back: for code
 * that reports a throwing callback as an uncaught exception, as timers and
 * EventTarget do. Mocha's handlers are put back once it has come.
 */
export function nextUncaughtException(): Promise<unknown> {
  return new Promise<unknown>((resolve) => {
    const listeners = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.once('uncaughtException', (err) => {
      for (const l of listeners) process.on('uncaughtException', l);
      resolve(err);
    });
  });
}
