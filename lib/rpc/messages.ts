/**
 * powgate's own error messages (the node's are in lib/errors.ts `NodeError`).
 * Each is documented in README.md; a test keeps the two in step.
 */
export const Message = {
  notAllowed: (action: string) =>
    `Action '${action}' is not allowed through powgate: add it to rpc.allow to forward it to the node`,
  sensitive: (action: string) =>
    `Action '${action}' is refused: it is a wallet, key or node-control action; add it to rpc.allow only if this port is private`,
  noNode: (action: string) => `Action '${action}' needs a node: set node.rpc (or --node-rpc) to forward it`,
  nodeUnreachable: (action: string) => `Node RPC did not answer for '${action}': check node.rpc`,
  bodyTooLarge: (limit: number) => `Request body larger than ${limit} bytes (rpc.body_limit)`,
  shuttingDown: 'powgate is shutting down',
  callbackNotJson: 'Callback body is not JSON',
  callbackNotBlock: 'Callback body is not a node block callback: expected account, hash and block',
} as const;
