import { classifyAddress, literalAddress } from './network-address';

export interface UrlRules {
  /** WEBHOOK_ALLOW_HTTP */
  allowHttp: boolean;
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS */
  allowPrivateNetworks: boolean;
}

/** Names that always mean this host (RFC 6761): refused now, as a loopback address is. */
const LOCAL_NAME = /(^|\.)localhost\.?$/i;

/**
 * Why a subscription URL is refused, or undefined when it is accepted (then `normalized` is
 * what is stored). Only what can be told without the network is checked here: an address
 * written in the URL, or `localhost`. A name is resolved, and its addresses checked, at each
 * send (see WebhookSender): what it resolves to can change after the subscription is made.
 */
export function urlProblem(raw: string, rules: UrlRules): { problem: string } | { normalized: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: 'url must be an absolute URL, https://...' };
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && rules.allowHttp)) {
    return { problem: rules.allowHttp ? 'url must be https:// or http://' : 'url must be https:// (webhooks carry decisions; http:// only with WEBHOOK_ALLOW_HTTP=true)' };
  }
  // Credentials in a URL end up in logs and in the subscription list: a receiver authenticates the signature instead.
  if (url.username || url.password) return { problem: 'url must not contain credentials (the signature authenticates the sender)' };
  if (!rules.allowPrivateNetworks) {
    const address = literalAddress(url.hostname);
    const kind = address ? classifyAddress(address) : LOCAL_NAME.test(url.hostname) ? 'loopback' : 'public';
    if (kind !== 'public') return { problem: `url must not point to a ${kind} address (WEBHOOK_ALLOW_PRIVATE_NETWORKS is off)` };
  }
  url.hash = '';
  return { normalized: url.toString() };
}
