/**
 * A confirmed block as precache needs it, read from a websocket confirmation
 * (spec node-rpc.md §5) or from the node's HTTP callback. Both carry the chain
 * owner, the hash and the block; only the websocket has the sideband height.
 */
export interface Confirmation {
  /** The chain owner as the node wrote it (the network's first prefix). */
  readonly account: string;
  /** 64 upper-case hex. */
  readonly hash: string;
  /** 64 upper-case hex; all zeros for an open block, whose root was the account's key. */
  readonly previous: string;
  readonly height?: number;
  /** The destination of a send, as the node wrote it. */
  readonly destination?: string;
}

export const ZERO_HASH = '0'.repeat(64);
const HASH = /^[0-9A-Fa-f]{64}$/;
const HEIGHT = /^[1-9][0-9]{0,14}$/;

type Fields = Readonly<Record<string, unknown>>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hash(value: unknown): string | undefined {
  return typeof value === 'string' && HASH.test(value) ? value.toUpperCase() : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The `message` of a websocket confirmation (`{"topic":"confirmation","message":{...}}`). */
export function fromWebsocket(message: unknown): Confirmation | undefined {
  if (!isFields(message) || !isFields(message.block)) return undefined;
  const sideband = message.sideband;
  const heightText = isFields(sideband) ? sideband.height : undefined;
  const height = typeof heightText === 'string' && HEIGHT.test(heightText) ? Number(heightText) : undefined;
  return build(message.account, message.hash, message.block, height, message.block.subtype === 'send');
}

/**
 * The node's HTTP callback body: `block` is a JSON string (the node's own
 * callback) or an object (some relays), with `is_send`/`subtype` beside it.
 */
export function fromCallback(body: unknown): Confirmation | undefined {
  if (!isFields(body)) return undefined;
  let block: unknown = body.block;
  if (typeof block === 'string') {
    try {
      block = JSON.parse(block);
    } catch {
      return undefined;
    }
  }
  if (!isFields(block)) return undefined;
  const send = body.is_send === true || body.is_send === 'true' || body.subtype === 'send' || block.subtype === 'send';
  return build(body.account, body.hash, block, undefined, send);
}

function build(accountValue: unknown, hashValue: unknown, block: Fields, height: number | undefined, send: boolean): Confirmation | undefined {
  const account = text(accountValue);
  const blockHash = hash(hashValue);
  if (account === undefined || blockHash === undefined) return undefined;
  let previous: string | undefined;
  let destination: string | undefined;
  switch (block.type) {
    case 'state':
      previous = hash(block.previous);
      if (send) destination = text(block.link_as_account);
      break;
    case 'send':
      previous = hash(block.previous);
      destination = text(block.destination);
      break;
    case 'receive':
    case 'change':
      previous = hash(block.previous);
      break;
    case 'open':
      previous = ZERO_HASH;
      break;
    default:
      return undefined;
  }
  if (previous === undefined) return undefined;
  return {
    account,
    hash: blockHash,
    previous,
    ...(height === undefined ? {} : { height }),
    ...(destination === undefined ? {} : { destination }),
  };
}
