import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { onRequestHookHandler } from 'fastify';
import { ConfigError } from '../config/config.js';
import { errors } from '../errors/index.js';

/** Routes that tell an outsider about the inside: dependency states, traffic, memory. */
const opsRoutes = new Set(['/metrics', '/health/ready']);

const named: Record<string, [string, number, 'ipv4' | 'ipv6'][]> = {
  loopback: [
    ['127.0.0.0', 8, 'ipv4'],
    ['::1', 128, 'ipv6'],
  ],
  private: [
    ['10.0.0.0', 8, 'ipv4'],
    ['172.16.0.0', 12, 'ipv4'],
    ['192.168.0.0', 16, 'ipv4'],
    ['169.254.0.0', 16, 'ipv4'],
    ['fc00::', 7, 'ipv6'],
    ['fe80::', 10, 'ipv6'],
  ],
};

/** OPS_ALLOWED_NETWORKS as a BlockList of allowed addresses, or null for "any". */
export function opsNetworks(setting: string): BlockList | null {
  const list = new BlockList();
  for (const entry of setting
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    if (entry === 'any') return null;
    const ranges = named[entry];
    if (ranges) {
      for (const [address, prefix, family] of ranges) list.addSubnet(address, prefix, family);
      continue;
    }
    const [address = '', prefixText] = entry.split('/');
    const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : null;
    const prefix = prefixText === undefined ? (family === 'ipv4' ? 32 : 128) : Number(prefixText);
    if (!family || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 'ipv4' ? 32 : 128)) {
      throw new ConfigError([
        `OPS_ALLOWED_NETWORKS entry "${entry}" is not an IP, a CIDR, loopback, private or any`,
      ]);
    }
    list.addSubnet(address, prefix, family);
  }
  return list;
}

/**
 * /metrics and /health/ready answer only the allowed networks (Prometheus, the orchestrator, the operator's
 * machine); anyone else on a public port gets the same 404 as a route that does not exist. request.ip honours
 * TRUSTED_PROXIES, so a forged X-Forwarded-For cannot claim to be inside.
 */
export function restrictOpsRoutes(allowed: BlockList | null): onRequestHookHandler {
  return (request, _reply, done) => {
    if (allowed === null || !opsRoutes.has(request.routeOptions.url ?? '')) {
      done();
      return;
    }
    const ip = request.ip.startsWith('::ffff:') ? request.ip.slice(7) : request.ip;
    const family = isIPv4(ip) ? 'ipv4' : 'ipv6';
    if (allowed.check(ip, family)) done();
    else done(errors.routeNotFound(request.method, request.url.split('?')[0] ?? '/'));
  };
}
