// The least a server does to pick a coding: brotli when the client names it, else gzip, else identity. Browsers
// always name both; q-values do not occur in what they send.
export type ReferenceCoding = 'br' | 'gzip' | 'identity';

export function referenceCoding(acceptEncoding: string | undefined): ReferenceCoding {
  if (!acceptEncoding) return 'identity';
  if (/(?:^|[\s,])br(?:$|[\s,;])/i.test(acceptEncoding)) return 'br';
  if (/(?:^|[\s,])(?:x-)?gzip(?:$|[\s,;])/i.test(acceptEncoding)) return 'gzip';
  return 'identity';
}

/** Where R2 finds each coding's bytes: `<key>:identity`, `<key>:br`, `<key>:gzip`. */
export function referenceKey(key: string, coding: ReferenceCoding): string {
  return `${key}:${coding}`;
}
