import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CacheEntry } from '../cache/index.js';
import { preferredCoding } from './content-coding.js';

export interface CachedResponseOptions {
  /** Seconds a shared cache (nginx, CDN) may keep an anonymous answer; 0: it must revalidate every time. */
  maxAgeSeconds?: number;
  /**
   * Seconds after max-age during which a shared cache may answer with its copy when the service cannot be
   * reached (stale-if-error); default 60. nginx honours it and serves no stale copy past it.
   */
  staleIfErrorSeconds?: number;
  /** Seconds a cache may serve it stale while revalidating; default 30. */
  staleSeconds?: number;
  /** True when the answer depends on who asks: then it is private and never shared. */
  personal: boolean;
}

/**
 * Headers about one caller that a shared answer must not carry: a proxy or CDN that stores it would hand them
 * to everyone else (the first caller's rate-limit counters, a cookie).
 */
export const perClientHeaders: readonly string[] = [
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'ratelimit-policy',
  'set-cookie',
];

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

/**
 * Sends bytes from the cache as they are, in the coding the client prefers among those the entry holds
 * (compressed when it was filled, never here): Content-Encoding, an ETag per coding, Cache-Control, stored
 * headers, and 304 when the client already has that coding's bytes.
 */
export function sendCached(
  request: FastifyRequest,
  reply: FastifyReply,
  entry: CacheEntry,
  options: CachedResponseOptions,
): FastifyReply {
  const { encodings } = entry;
  const coding = preferredCoding(request.headers['accept-encoding'], encodings);
  const variant = encodings[coding] ?? encodings.identity;
  const varies = encodings.br !== undefined || encodings.gzip !== undefined;
  const maxAge = options.maxAgeSeconds ?? 1;
  const stale = options.staleSeconds ?? 30;
  // A window bounded by something else (a release date) bounds the error window too.
  const staleIfError = Math.min(options.staleIfErrorSeconds ?? 60, options.staleSeconds ?? Infinity);
  const cacheControl = options.personal
    ? 'private, no-cache'
    : maxAge === 0
      ? 'public, no-cache'
      : `public, max-age=${maxAge}${stale > 0 ? `, stale-while-revalidate=${stale}` : ''}, stale-if-error=${staleIfError}`;
  void reply.headers(entry.headers).header('etag', variant.etag).header('cache-control', cacheControl);
  if (!options.personal) {
    for (const name of perClientHeaders) reply.removeHeader(name);
    void reply.header('vary', varies ? 'Authorization, Accept-Encoding' : 'Authorization');
  } else if (varies) {
    void reply.header('vary', 'Accept-Encoding');
  }
  if (matchesEtag(request.headers['if-none-match'], variant.etag)) return reply.code(304).send();
  if (coding !== 'identity') void reply.header('content-encoding', coding);
  return reply.type('application/json; charset=utf-8').send(variant.bytes);
}
