import { Message } from '../errors.js';
import type { Refusal } from './types.js';

/** The catalogue's text for a refusal; the same on the RPC port and the DPoW service API. */
export function refusalMessage(refusal: Refusal, action: string): string {
  switch (refusal) {
    case 'key':
      return Message.keyInvalid;
    case 'action':
      return Message.serviceAction(action);
    case 'rate':
      return Message.serviceRate;
    case 'quota':
      return Message.serviceQuota;
    case 'credits':
      return Message.serviceCredits;
  }
}
