import { lookup } from 'node:dns/promises';
import { request as httpRequest, RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Injectable } from '@nestjs/common';
import { classifyAddress } from './network-address';

export interface WebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS: loopback, private and link-local addresses may be reached */
  allowPrivateNetworks: boolean;
}

/** What came of one send: an HTTP status, or why there was none. */
export interface SendResult {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** Kept in the log (lastError, attempts): a reason, not a receiver's page. */
const MAX_ERROR_LENGTH = 300;

export interface ResolvedAddress {
  address: string;
  family: number;
}

/**
 * Sends one signed webhook request. The host is resolved here, every address it resolves to
 * is checked (one private address among public ones is enough to refuse: which one a client
 * would pick is not ours to guess), and the connection goes to the addresses that were checked:
 * the socket's own lookup is replaced by it, so a name that resolves differently a moment later
 * (DNS rebinding) cannot slip a private address in. The URL's host stays the Host header and
 * the TLS server name, so certificates are verified against the name, as usual. Redirects are
 * not followed: a 3xx is a failed send.
 */
@Injectable()
export class WebhookSender {
  async send(request: WebhookRequest): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), request.timeoutMs);
    try {
      const url = new URL(request.url);
      const addresses = await this.checkedAddresses(url, request.allowPrivateNetworks, deadline.signal);
      const statusCode = await this.post(url, addresses, request, deadline.signal);
      return { statusCode, error: statusCode >= 200 && statusCode < 300 ? null : `HTTP ${statusCode}`, durationMs: elapsed() };
    } catch (error) {
      const message = deadline.signal.aborted ? `no answer within ${request.timeoutMs} ms` : (error as Error).message;
      return { statusCode: null, error: message.slice(0, MAX_ERROR_LENGTH), durationMs: elapsed() };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Every address of a host name (a literal address answers itself). Overridden by tests. */
  protected resolve(hostname: string): Promise<ResolvedAddress[]> {
    return lookup(hostname, { all: true, verbatim: true });
  }

  private async checkedAddresses(url: URL, allowPrivate: boolean, signal: AbortSignal): Promise<ResolvedAddress[]> {
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const aborted = new Promise<never>((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
    const addresses = await Promise.race([this.resolve(hostname), aborted]);
    if (addresses.length === 0) throw new Error(`${hostname} has no address`);
    if (!allowPrivate) {
      for (const { address } of addresses) {
        const kind = classifyAddress(address);
        if (kind !== 'public') throw new Error(`refused: ${hostname} resolves to ${address}, a ${kind} address (WEBHOOK_ALLOW_PRIVATE_NETWORKS is off)`);
      }
    }
    return addresses;
  }

  private post(url: URL, addresses: ResolvedAddress[], request: WebhookRequest, signal: AbortSignal): Promise<number> {
    // The socket connects to the checked addresses (trying each in turn when Node asks for all,
    // as its happy eyeballs does), whatever name it is asked to look up.
    const pinned: LookupFunction = (_hostname, options, callback) => {
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    };
    const https = url.protocol === 'https:';
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const options: RequestOptions & { servername?: string } = {
      method: 'POST',
      hostname,
      port: url.port || (https ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
      lookup: pinned,
      // One connection per send: a pooled socket could outlive the address check it was made for.
      agent: false,
      signal,
      // TLS names a host, never an address (Node refuses an IP as the server name).
      ...(https && !isIP(hostname) ? { servername: hostname } : {}),
    };
    return new Promise<number>((resolve, reject) => {
      const outgoing = (https ? httpsRequest : httpRequest)(options, (response) => {
        // The body is not read for anything: drained, so the exchange ends cleanly.
        response.resume();
        response.once('end', () => resolve(response.statusCode ?? 0));
        response.once('error', reject);
      });
      outgoing.once('error', reject);
      outgoing.end(request.body);
    });
  }
}
