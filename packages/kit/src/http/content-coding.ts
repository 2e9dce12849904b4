import type { ContentCoding, EncodedBodies } from '../cache/index.js';

/** When two codings are equally welcome, the smaller one wins. */
const serverPreference: readonly ContentCoding[] = ['br', 'gzip', 'identity'];

type Weights = ReadonlyMap<string, number>;

/** Below the smallest q-value a client can send (0.001). */
const implicitIdentityWeight = 0.0001;

/** Browsers send a handful of distinct headers; parsing each once keeps negotiation off the hot path. */
const parsedHeaders = new Map<string, Weights>();
const maxParsedHeaders = 256;

function parseAcceptEncoding(header: string): Weights {
  const known = parsedHeaders.get(header);
  if (known) return known;
  const weights = new Map<string, number>();
  for (const item of header.split(',')) {
    const [name = '', ...params] = item.split(';');
    const coding = name.trim().toLowerCase();
    if (coding === '') continue;
    let weight = 1;
    for (const param of params) {
      const match = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(param);
      if (match?.[1]) weight = Math.min(1, Number(match[1]));
    }
    // The first mention counts, as in most servers; a repeated coding is a client bug, not an override.
    if (!weights.has(coding)) weights.set(coding, weight);
  }
  if (parsedHeaders.size >= maxParsedHeaders) parsedHeaders.clear();
  parsedHeaders.set(header, weights);
  return weights;
}

function weightOf(weights: Weights, coding: ContentCoding): number {
  const named = weights.get(coding === 'gzip' && !weights.has('gzip') ? 'x-gzip' : coding);
  if (named !== undefined) return named;
  const star = weights.get('*');
  if (star !== undefined) return star;
  // RFC 9110 §12.5.3: identity is acceptable unless excluded, by name or by `*;q=0`; left unnamed it is
  // the last resort, below any coding the client asked for.
  return coding === 'identity' ? implicitIdentityWeight : 0;
}

/**
 * The coding to send (RFC 9110 §12.5.3 with q-values): the most welcome one the entry has, brotli before gzip
 * before identity on a tie. No header, or nothing acceptable, gets identity: every client can read it.
 */
export function preferredCoding(acceptEncoding: string | undefined, available: EncodedBodies): ContentCoding {
  if (!acceptEncoding || (!available.br && !available.gzip)) return 'identity';
  const weights = parseAcceptEncoding(acceptEncoding);
  let best: ContentCoding = 'identity';
  let bestWeight = 0;
  for (const coding of serverPreference) {
    if (!available[coding]) continue;
    const weight = weightOf(weights, coding);
    if (weight > bestWeight) {
      best = coding;
      bestWeight = weight;
    }
  }
  return best;
}
