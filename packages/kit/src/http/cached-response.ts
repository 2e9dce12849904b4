import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CacheEntry } from '../cache/index.js';

export interface CachedResponseOptions {
  /** Seconds a shared cache (nginx, CDN) may keep an anonymous answer. */
  maxAgeSeconds?: number;
  /** True when the answer depends on who asks: then it is private and never shared. */
  personal: boolean;
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

/**
 * UTF-8 bytes of each entry the L1 cache hands out, encoded once: an L1 hit returns the same entry object,
 * and writing a string would encode it again on every response.
 */
const encoded = new WeakMap<CacheEntry, Buffer>();

function bytesOf(entry: CacheEntry): Buffer {
  let bytes = encoded.get(entry);
  if (!bytes) {
    bytes = Buffer.from(entry.body, 'utf8');
    encoded.set(entry, bytes);
  }
  return bytes;
}

/** Sends bytes from the cache as they are: ETag, Cache-Control, stored headers, and 304 when the client has them. */
export function sendCached(
  request: FastifyRequest,
  reply: FastifyReply,
  entry: CacheEntry,
  options: CachedResponseOptions,
): FastifyReply {
  const cacheControl = options.personal
    ? 'private, no-cache'
    : `public, max-age=${options.maxAgeSeconds ?? 1}, stale-while-revalidate=30`;
  void reply.headers(entry.headers).header('etag', entry.etag).header('cache-control', cacheControl);
  if (!options.personal) void reply.header('vary', 'Authorization');
  if (matchesEtag(request.headers['if-none-match'], entry.etag)) return reply.code(304).send();
  return reply.type('application/json; charset=utf-8').send(bytesOf(entry));
}
