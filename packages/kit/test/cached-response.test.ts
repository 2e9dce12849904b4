import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCacheEntry, type CacheEntry } from '../src/cache/index.js';
import { baseConfigSchema } from '../src/config/config.js';
import { createHttpApp, sendCached, type HttpApp } from '../src/http/index.js';
import { createTestIssuer, testConfig } from '../src/testing/index.js';

let app: HttpApp;
let page: CacheEntry;
let small: CacheEntry;

beforeAll(async () => {
  const issuer = await createTestIssuer();
  app = await createHttpApp({
    config: testConfig(baseConfigSchema, { REDIS_URL: undefined }),
    name: 'kit-test',
    redis: null,
    getKey: issuer.getKey,
    docsPrefix: '/api/kit/docs',
    logger: false,
  });
  const body = JSON.stringify(
    Array.from({ length: 30 }, (_, index) => ({
      id: index,
      title: `Course ${index}`,
      text: 'é'.repeat(index),
    })),
  );
  page = await createCacheEntry({ body, headers: { 'x-total-count': '30' } });
  small = await createCacheEntry({ body: '[]' });
  app.get('/api/kit/page', (request, reply) => sendCached(request, reply, page, { personal: false }));
  app.get('/api/kit/mine', (request, reply) => sendCached(request, reply, page, { personal: true }));
  app.get('/api/kit/small', (request, reply) => sendCached(request, reply, small, { personal: false }));
  await app.ready();
});

afterAll(async () => {
  await app.close();
});

async function get(url: string, headers: Record<string, string> = {}) {
  return app.inject({ method: 'GET', url, headers });
}

describe('sendCached', () => {
  it('when the client accepts brotli, then the brotli bytes go out with their own ETag and decompress to the body', async () => {
    const response = await get('/api/kit/page', { 'accept-encoding': 'gzip, deflate, br' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-encoding']).toBe('br');
    expect(response.headers.vary).toBe('Authorization, Accept-Encoding');
    expect(response.headers.etag).toBe(page.encodings.br?.etag);
    expect(response.headers['x-total-count']).toBe('30');
    expect(brotliDecompressSync(response.rawPayload).toString('utf8')).toBe(page.body);
  });

  it('when the client accepts only gzip, then the gzip bytes go out', async () => {
    const response = await get('/api/kit/page', { 'accept-encoding': 'gzip' });
    expect(response.headers['content-encoding']).toBe('gzip');
    expect(response.headers.etag).toBe(page.encodings.gzip?.etag);
    expect(gunzipSync(response.rawPayload).toString('utf8')).toBe(page.body);
  });

  it('when the client sends no Accept-Encoding, then the identity bytes go out without Content-Encoding', async () => {
    const response = await get('/api/kit/page');
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(response.headers.vary).toBe('Authorization, Accept-Encoding');
    expect(response.headers.etag).toBe(page.etag);
    expect(response.body).toBe(page.body);
  });

  it('when the client holds one coding, then only that coding is not modified', async () => {
    const brEtag = String(page.encodings.br?.etag);
    const same = await get('/api/kit/page', { 'accept-encoding': 'br', 'if-none-match': brEtag });
    expect(same.statusCode).toBe(304);
    expect(same.headers.etag).toBe(brEtag);
    expect(same.body).toBe('');

    const otherCoding = await get('/api/kit/page', { 'accept-encoding': 'gzip', 'if-none-match': brEtag });
    expect(otherCoding.statusCode).toBe(200);
    expect(otherCoding.headers['content-encoding']).toBe('gzip');
  });

  it('when the body is too small to compress, then it goes out as it is and does not vary by coding', async () => {
    const response = await get('/api/kit/small', { 'accept-encoding': 'br, gzip' });
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(response.headers.vary).toBe('Authorization');
    expect(response.body).toBe('[]');
  });

  it('when an answer is public, then it carries no rate-limit counters; a personal one keeps them', async () => {
    const shared = await get('/api/kit/page');
    expect(Object.keys(shared.headers).filter((name) => name.includes('ratelimit'))).toEqual([]);

    const personal = await get('/api/kit/mine', { 'accept-encoding': 'gzip' });
    expect(personal.headers['x-ratelimit-limit']).toBeDefined();
    expect(personal.headers['cache-control']).toBe('private, no-cache');
    expect(personal.headers.vary).toBe('Accept-Encoding');
    expect(personal.headers['content-encoding']).toBe('gzip');
  });
});
