import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { checkEndpoint, checkResolvedAddresses, EndpointPolicy } from '@hub/fhir';

export type PostOutcome = { ok: true; status: number } | { ok: false; error: string };

/** The answer body read at most (a receiver's answer is not used; only its status). */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * Posts one notification to a rest-hook endpoint under the endpoint policy (SSRF guard): the
 * URL is checked again at every delivery (the policy may have changed), and the connection uses
 * a DNS lookup that refuses private or loopback addresses for a host not allowed by name, so the
 * address checked is the address connected to (no rebinding between check and connect).
 * Redirects are not followed. Errors are short and generic: never the URL, never the body.
 */
export async function postNotification(endpoint: string, body: string, policy: EndpointPolicy, timeoutMs: number, headers: Record<string, string> = {}): Promise<PostOutcome> {
  const { url, error } = checkEndpoint(endpoint, policy);
  if (!url) return { ok: false, error: error ?? 'endpoint not allowed' };
  const lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const refused = checkResolvedAddresses(url.hostname, addresses.map((a) => a.address), policy);
      if (refused) return callback(Object.assign(new Error(refused), { code: 'ENDPOINT_REFUSED' }), '', 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<PostOutcome>((resolve) => {
    const req = send(
      url,
      { method: 'POST', lookup, timeout: timeoutMs, headers: { ...headers, 'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json', 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) res.destroy();
        });
        res.on('close', () => {
          const status = res.statusCode ?? 0;
          resolve(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, error: `endpoint answered HTTP ${status}` });
        });
        res.on('error', () => undefined);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => {
      resolve({ ok: false, error: e.code === 'ENDPOINT_REFUSED' ? e.message : `endpoint not reachable (${e.code ?? 'error'})` });
    });
    req.end(body);
  });
}
