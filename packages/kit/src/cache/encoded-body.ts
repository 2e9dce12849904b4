import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';

/** The content codings a cached body is kept in. `identity` is always there; the others only when they gain. */
export type ContentCoding = 'br' | 'gzip' | 'identity';

export const contentCodings: readonly ContentCoding[] = ['br', 'gzip', 'identity'];

export interface EncodedBody {
  readonly bytes: Buffer;
  /** Strong ETag of these bytes: each coding is its own representation, so each has its own validator. */
  readonly etag: string;
}

export type EncodedBodies = Readonly<{ identity: EncodedBody } & Partial<Record<'br' | 'gzip', EncodedBody>>>;

/**
 * Below this a body goes out as it is: it fits one TCP segment either way, and nginx's gzip_min_length
 * (deploy/nginx) draws the same line, so a small identity answer is not compressed further down either.
 */
export const minCompressedBodyBytes = 1024;

/**
 * Compressed once per fill, not per request, so a higher level than a proxy would use per request pays off;
 * brotli 6 is close to 9 in size on JSON at a fraction of its time, which keeps a 1 MiB lesson's fill short.
 */
const brotliQuality = 6;
const gzipLevel = 9;

const compressBrotli = promisify(brotliCompress);
const compressGzip = promisify(gzip);

/** Strong ETag: a hash of the exact bytes sent. */
export function computeEtag(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** The identity ETag with the coding appended inside the quotes, as Apache does: `"abc"` → `"abc-br"`. */
export function variantEtag(identityEtag: string, coding: ContentCoding): string {
  return coding === 'identity' ? identityEtag : `${identityEtag.slice(0, -1)}-${coding}"`;
}

/** The body as identity bytes only, for answers that are never sent compressed by us (or not sent at all). */
export function identityBodies(body: string, etag = computeEtag(body)): EncodedBodies {
  return Object.freeze({ identity: Object.freeze({ bytes: Buffer.from(body, 'utf8'), etag }) });
}

/**
 * Identity, brotli and gzip bytes of a body. The compressions run on libuv's thread pool, so a large fill does
 * not stall the event loop. A coding that does not make the body smaller is left out.
 */
export async function encodeBodies(body: string, etag = computeEtag(body)): Promise<EncodedBodies> {
  const bytes = Buffer.from(body, 'utf8');
  const identity = Object.freeze({ bytes, etag });
  if (bytes.length < minCompressedBodyBytes) return Object.freeze({ identity });
  const [br, gz] = await Promise.all([
    compressBrotli(bytes, {
      params: {
        [zlib.BROTLI_PARAM_QUALITY]: brotliQuality,
        [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
        [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }),
    compressGzip(bytes, { level: gzipLevel }),
  ]);
  const bodies: { identity: EncodedBody; br?: EncodedBody; gzip?: EncodedBody } = { identity };
  if (br.length < bytes.length) bodies.br = Object.freeze({ bytes: br, etag: variantEtag(etag, 'br') });
  if (gz.length < bytes.length) bodies.gzip = Object.freeze({ bytes: gz, etag: variantEtag(etag, 'gzip') });
  return Object.freeze(bodies);
}

/** Bytes an entry's bodies hold, for the L1 size bound. */
export function encodedSize(bodies: EncodedBodies): number {
  return bodies.identity.bytes.length + (bodies.br?.bytes.length ?? 0) + (bodies.gzip?.bytes.length ?? 0);
}
