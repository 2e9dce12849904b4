import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { cacheHitsTotal, cacheMissesTotal } from '../metrics/metrics.js';
import {
  computeEtag,
  encodeBodies,
  encodedSize,
  identityBodies,
  variantEtag,
  type EncodedBodies,
  type EncodedBody,
} from './encoded-body.js';

export interface CacheEntry {
  /** The exact string the HTTP layer sends, uncompressed. */
  readonly body: string;
  /** The identity body's ETag. */
  readonly etag: string;
  /** Extra response headers stored with the body, such as `x-total-count` and `link`. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body's bytes per content coding, compressed once when the entry was filled. */
  readonly encodings: EncodedBodies;
}

export interface CacheLoadResult {
  body: string;
  headers?: Record<string, string>;
  /**
   * Default true: keep brotli and gzip bytes beside the body for clients that accept them. False for entries
   * that are read but never sent (an internal answer parsed by its caller), so a fill does not compress for nothing.
   */
  compress?: boolean;
}

export interface CacheGetOptions {
  /**
   * How long an entry filled while Redis is away stays in L1, instead of l1TtlMs. Without Redis no process
   * hears another's invalidations anyway, and every L1 miss runs the loader (a call to another service), so a
   * caller that can live with this much staleness keeps most of its throughput. When Redis is back every
   * namespace restarts (see onRedisReady), so these entries end with the outage.
   */
  l1TtlWithoutRedisMs?: number;
}

export interface CacheOptions {
  /** null: L1 only (all-in-one without REDIS_URL). The owner of the client closes it. */
  redis: Redis | null;
  /** Key prefix, default 'lectern'. */
  prefix?: string;
  /** L2 TTL, default 300, with ±10% jitter so entries filled together do not expire together. */
  ttlSeconds?: number;
  /** Default 10_000. */
  l1MaxEntries?: number;
  /** Default 64 MiB: lessons can be a megabyte each, so entries alone do not bound memory. */
  l1MaxBytes?: number;
  /** Default 5_000: bounds staleness when an invalidation message is lost. */
  l1TtlMs?: number;
  /** Redis failures: the cache carries on without L2 and reports them here. */
  onError?: (error: unknown) => void;
}

interface NamespaceState {
  /** Unique for the life of the process, so an L1 item filled before a drop never matches a later state. */
  readonly epoch: number;
  version: string | null;
  versionExpiresAt: number;
  versionFetch: Promise<string | null> | null;
}

interface L1Item {
  readonly entry: CacheEntry;
  readonly epoch: number;
}

interface Flight {
  readonly epoch: number;
  readonly promise: Promise<CacheEntry>;
}

/**
 * Version keys expire so per-entity namespaces do not pile up in Redis forever; a day is far longer than any
 * data key (ttlSeconds) can live, and a missing version restarts from the clock, never from a used number.
 */
const minVersionTtlSeconds = 86_400;
const subscribeWaitMs = 1_000;
const l2PauseMs = 1_000;

/**
 * The L2 key's format tag. `d2` holds the binary layout of encodeEntry; `d` held the text-only layout. Old
 * replicas (rolling update) and new ones use different keys, so neither reads the other's bytes.
 */
const dataKeyTag = 'd2';

/** An entry from a loader's result: its bodies compressed once here, unless the loader said not to. */
export async function createCacheEntry(loaded: CacheLoadResult): Promise<CacheEntry> {
  const etag = computeEtag(loaded.body);
  return Object.freeze({
    body: loaded.body,
    etag,
    headers: Object.freeze({ ...loaded.headers }),
    encodings:
      loaded.compress === false ? identityBodies(loaded.body, etag) : await encodeBodies(loaded.body, etag),
  });
}

/**
 * Two-level cache of serialized responses: an in-process LRU in front of Redis. Each namespace has a version
 * in Redis that is bumped to invalidate it, and the bump is broadcast so every process drops its L1 copy.
 */
export class Cache {
  private readonly redis: Redis | null;
  private readonly prefix: string;
  private readonly channel: string;
  private readonly ttlSeconds: number;
  private readonly versionTtlSeconds: number;
  private readonly l1TtlMs: number;
  private readonly onError: ((error: unknown) => void) | undefined;
  private readonly l1: LRUCache<string, L1Item>;
  private readonly namespaces: LRUCache<string, NamespaceState>;
  private readonly flights = new Map<string, Flight>();
  /** Namespaces whose version bump did not reach Redis: their L2 data is stale until the bump is replayed. */
  private readonly pendingBumps = new Set<string>();
  private readonly bumpsInFlight = new Set<string>();
  private subscriber: Redis | null = null;
  /** Tags this instance's invalidation messages: it has already dropped what they would drop. */
  private readonly instanceId = randomUUID();
  private lastEpoch = 0;
  /** After a failed Redis read, L2 is skipped for a moment: a stalled Redis costs one timeout, not one per miss. */
  private l2PausedUntil = 0;

  private constructor(options: CacheOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix ?? 'lectern';
    this.channel = `${this.prefix}:invalidate`;
    this.ttlSeconds = options.ttlSeconds ?? 300;
    this.versionTtlSeconds = Math.max(minVersionTtlSeconds, Math.ceil(this.ttlSeconds * 2));
    // lru-cache reads a TTL of 0 as "never expires".
    this.l1TtlMs = Math.max(1, options.l1TtlMs ?? 5_000);
    this.onError = options.onError;
    const max = options.l1MaxEntries ?? 10_000;
    this.l1 = new LRUCache({
      max,
      ttl: this.l1TtlMs,
      maxSize: options.l1MaxBytes ?? 64 * 1024 * 1024,
      // The string's characters (up to two bytes each) and every encoded copy.
      sizeCalculation: (item) => Math.max(1, item.entry.body.length * 2 + encodedSize(item.entry.encodings)),
    });
    this.namespaces = new LRUCache({ max });
  }

  /** Resolves once subscribed to invalidations, or after a second when Redis is down: a process starts anyway. */
  static async create(options: CacheOptions): Promise<Cache> {
    const cache = new Cache(options);
    if (options.redis) await cache.subscribe(options.redis);
    return cache;
  }

  get(
    namespace: string,
    key: string,
    load: () => Promise<CacheLoadResult>,
    options: CacheGetOptions = {},
  ): Promise<CacheEntry> {
    const id = `${namespace}\u0000${key}`;
    const state = this.stateOf(namespace);
    const item = this.l1.get(id);
    if (item?.epoch === state.epoch) {
      cacheHitsTotal.inc({ cache: metricLabel(namespace) });
      return Promise.resolve(item.entry);
    }
    const flight = this.flights.get(id);
    if (flight?.epoch === state.epoch) return flight.promise;

    const promise = this.fill(namespace, key, id, state, load, options);
    this.flights.set(id, { epoch: state.epoch, promise });
    const land = () => {
      if (this.flights.get(id)?.promise === promise) this.flights.delete(id);
    };
    void promise.then(land, land);
    return promise;
  }

  /** Never throws because of Redis: the local copy is dropped at once, and a bump Redis missed is replayed later. */
  async invalidate(namespace: string): Promise<void> {
    this.namespaces.delete(namespace);
    await this.bump(namespace);
  }

  /** Closes the subscriber this cache opened; the Redis client passed in belongs to the caller. */
  async close(): Promise<void> {
    this.redis?.off('ready', this.onRedisReady);
    const subscriber = this.subscriber;
    this.subscriber = null;
    this.l1.clear();
    this.namespaces.clear();
    if (!subscriber) return;
    subscriber.removeAllListeners('message');
    try {
      await subscriber.quit();
    } catch {
      subscriber.disconnect();
    }
  }

  private stateOf(namespace: string): NamespaceState {
    let state = this.namespaces.get(namespace);
    if (!state) {
      state = { epoch: ++this.lastEpoch, version: null, versionExpiresAt: 0, versionFetch: null };
      this.namespaces.set(namespace, state);
    }
    return state;
  }

  /** A state dropped by an invalidation after a read began must not receive that read's result. */
  private isCurrent(namespace: string, state: NamespaceState): boolean {
    return this.namespaces.peek(namespace) === state;
  }

  private async fill(
    namespace: string,
    key: string,
    id: string,
    state: NamespaceState,
    load: () => Promise<CacheLoadResult>,
    options: CacheGetOptions,
  ): Promise<CacheEntry> {
    const label = metricLabel(namespace);
    const dataKey = await this.dataKey(namespace, key, state);
    if (dataKey !== null) {
      const stored = await this.readL2(dataKey);
      if (stored) {
        cacheHitsTotal.inc({ cache: label });
        if (this.isCurrent(namespace, state)) this.l1.set(id, { entry: stored, epoch: state.epoch });
        return stored;
      }
    }

    cacheMissesTotal.inc({ cache: label });
    const entry = await createCacheEntry(await load());
    if (this.isCurrent(namespace, state)) {
      const ttl =
        options.l1TtlWithoutRedisMs !== undefined && this.redisAway()
          ? Math.max(this.l1TtlMs, options.l1TtlWithoutRedisMs)
          : undefined;
      this.l1.set(id, { entry, epoch: state.epoch }, ttl === undefined ? undefined : { ttl });
    }
    // Safe even when an invalidation arrived meanwhile: the key carries the version read before loading, which
    // that invalidation made obsolete. Unless the bump never reached Redis and the version is still current.
    if (dataKey !== null && !this.pendingBumps.has(namespace)) this.writeL2(dataKey, entry);
    return entry;
  }

  /** True when this cache has a Redis that it cannot use right now. */
  private redisAway(): boolean {
    return this.redis !== null && (this.redis.status !== 'ready' || performance.now() < this.l2PausedUntil);
  }

  /** null when L2 must be skipped: no Redis, Redis not connected, or a bump for this namespace not yet applied. */
  private async dataKey(namespace: string, key: string, state: NamespaceState): Promise<string | null> {
    if (this.redis?.status !== 'ready' || performance.now() < this.l2PausedUntil) return null;
    if (this.pendingBumps.has(namespace)) {
      this.replayBump(namespace);
      return null;
    }
    const version = await this.versionOf(namespace, state);
    return version === null ? null : `${this.prefix}:${dataKeyTag}:${namespace}:${version}:${key}`;
  }

  /** Cached per process for at most l1TtlMs, so most L2 reads take one round trip. */
  private async versionOf(namespace: string, state: NamespaceState): Promise<string | null> {
    if (state.version !== null && performance.now() < state.versionExpiresAt) return state.version;
    state.versionFetch ??= this.fetchVersion(namespace);
    const fetching = state.versionFetch;
    const version = await fetching;
    if (state.versionFetch === fetching) state.versionFetch = null;
    if (version !== null) {
      state.version = version;
      state.versionExpiresAt = performance.now() + this.l1TtlMs;
    }
    return version;
  }

  private async fetchVersion(namespace: string): Promise<string | null> {
    if (!this.redis) return null;
    const versionKey = this.versionKey(namespace);
    try {
      const current = await this.redis.get(versionKey);
      if (current !== null) return current;
      // Never bumped, expired or evicted: start from the clock so no earlier version number, whose data may
      // still sit in L2, comes back.
      const replies = await this.redis
        .multi()
        .set(versionKey, String(Date.now()), 'EX', this.versionTtlSeconds, 'NX')
        .get(versionKey)
        .exec();
      const version = execResults(replies)[1];
      return typeof version === 'string' ? version : null;
    } catch (error) {
      this.readFailed(error);
      return null;
    }
  }

  private async readL2(dataKey: string): Promise<CacheEntry | null> {
    if (!this.redis) return null;
    try {
      const stored = await this.redis.getBuffer(dataKey);
      return stored === null ? null : decodeEntry(stored, dataKey);
    } catch (error) {
      this.readFailed(error);
      return null;
    }
  }

  /** Not awaited: a response never waits for a cache write. */
  private writeL2(dataKey: string, entry: CacheEntry): void {
    if (this.redis?.status !== 'ready' || performance.now() < this.l2PausedUntil) return;
    const ttl = Math.max(1, Math.round(this.ttlSeconds * (0.9 + Math.random() * 0.2)));
    this.redis.set(dataKey, encodeEntry(entry), 'EX', ttl).catch((error: unknown) => this.reportError(error));
  }

  /** Never rejects. */
  private async bump(namespace: string): Promise<void> {
    const redis = this.redis;
    if (!redis) return;
    if (redis.status !== 'ready') {
      this.pendingBumps.add(namespace);
      return;
    }
    const versionKey = this.versionKey(namespace);
    try {
      const replies = await redis
        .multi()
        .set(versionKey, String(Date.now()), 'EX', this.versionTtlSeconds, 'NX')
        .incr(versionKey)
        .expire(versionKey, this.versionTtlSeconds)
        .exec();
      execResults(replies);
    } catch (error) {
      this.pendingBumps.add(namespace);
      this.reportError(error);
      return;
    }
    this.pendingBumps.delete(namespace);
    // A read between the first drop and the INCR may have cached the old version again.
    this.namespaces.delete(namespace);
    try {
      await redis.publish(this.channel, `${this.instanceId} ${namespace}`);
    } catch (error) {
      // Other processes still see the new version once their cached one expires (l1TtlMs).
      this.reportError(error);
    }
  }

  private replayBump(namespace: string): void {
    if (this.bumpsInFlight.has(namespace)) return;
    this.bumpsInFlight.add(namespace);
    void this.bump(namespace).then(() => this.bumpsInFlight.delete(namespace));
  }

  /** The main connection came back: versions may have moved while it was down, and missed bumps can go out. */
  private readonly onRedisReady = (): void => {
    this.namespaces.clear();
    for (const namespace of this.pendingBumps) this.replayBump(namespace);
  };

  private async subscribe(redis: Redis): Promise<void> {
    redis.on('ready', this.onRedisReady);
    const subscriber = redis.duplicate({ autoResubscribe: false, enableAutoPipelining: false });
    this.subscriber = subscriber;

    let outageReported = false;
    subscriber.on('error', (error: Error) => {
      // Once per outage: the reconnect loop fails every couple of seconds while Redis is down.
      if (outageReported) return;
      outageReported = true;
      this.reportError(error);
    });
    subscriber.on('message', (channel: string, message: string) => {
      const space = message.indexOf(' ');
      if (channel !== this.channel || space === -1 || message.slice(0, space) === this.instanceId) return;
      this.namespaces.delete(message.slice(space + 1));
    });

    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      timer = setTimeout(resolve, subscribeWaitMs);
      subscriber.on('ready', () => {
        subscriber.subscribe(this.channel).then(
          () => {
            outageReported = false;
            // Messages published while this connection was down are lost: forget whatever relied on them.
            this.namespaces.clear();
            resolve();
          },
          (error: unknown) => this.reportError(error),
        );
      });
    });
    clearTimeout(timer);
  }

  private versionKey(namespace: string): string {
    return `${this.prefix}:v:${namespace}`;
  }

  private readFailed(error: unknown): void {
    this.l2PausedUntil = performance.now() + l2PauseMs;
    this.reportError(error);
  }

  private reportError(error: unknown): void {
    try {
      this.onError?.(error);
    } catch {
      // A failing error reporter must not turn a cache problem into a failed request.
    }
  }
}

/** The part before the first ':', so per-entity namespaces (`course:42`) do not create a time series each. */
function metricLabel(namespace: string): string {
  const colon = namespace.indexOf(':');
  return colon === -1 ? namespace : namespace.slice(0, colon);
}

const storedCodings = ['identity', 'br', 'gzip'] as const;

interface StoredMeta {
  etag: string;
  headers: Record<string, string>;
  /** Byte length of each stored coding, in the order of storedCodings; absent codings are not stored. */
  lengths: Partial<Record<(typeof storedCodings)[number], number>>;
}

/**
 * One JSON line of metadata, then the identity, brotli and gzip bytes back to back: an L2 hit never parses a
 * body, and the compressed bytes come back as they were made, so no replica compresses an entry twice.
 */
function encodeEntry(entry: CacheEntry): Buffer {
  const lengths: StoredMeta['lengths'] = {};
  const parts: Buffer[] = [];
  for (const coding of storedCodings) {
    const encoded = entry.encodings[coding];
    if (!encoded) continue;
    lengths[coding] = encoded.bytes.length;
    parts.push(encoded.bytes);
  }
  const meta: StoredMeta = { etag: entry.etag, headers: { ...entry.headers }, lengths };
  return Buffer.concat([Buffer.from(`${JSON.stringify(meta)}\n`, 'utf8'), ...parts]);
}

function decodeEntry(stored: Buffer, dataKey: string): CacheEntry {
  const newline = stored.indexOf(0x0a);
  const meta: unknown = newline === -1 ? null : JSON.parse(stored.subarray(0, newline).toString('utf8'));
  if (!isStoredMeta(meta)) throw new Error(`Malformed cache entry at ${dataKey}`);
  const bodies: Partial<Record<(typeof storedCodings)[number], EncodedBody>> = {};
  let offset = newline + 1;
  for (const coding of storedCodings) {
    const length = meta.lengths[coding];
    if (length === undefined) continue;
    const bytes = stored.subarray(offset, offset + length);
    offset += length;
    bodies[coding] = Object.freeze({ bytes, etag: variantEtag(meta.etag, coding) });
  }
  const { identity } = bodies;
  if (!identity || offset !== stored.length) throw new Error(`Malformed cache entry at ${dataKey}`);
  return Object.freeze({
    body: identity.bytes.toString('utf8'),
    etag: meta.etag,
    headers: Object.freeze(meta.headers),
    encodings: Object.freeze({ ...bodies, identity }),
  });
}

function isStoredMeta(value: unknown): value is StoredMeta {
  if (typeof value !== 'object' || value === null) return false;
  const { etag, headers, lengths } = value as Record<string, unknown>;
  return (
    typeof etag === 'string' &&
    typeof headers === 'object' &&
    headers !== null &&
    Object.values(headers).every((header) => typeof header === 'string') &&
    typeof lengths === 'object' &&
    lengths !== null &&
    Object.values(lengths).every((length) => Number.isSafeInteger(length) && Number(length) >= 0)
  );
}

function execResults(replies: [error: Error | null, result: unknown][] | null): unknown[] {
  if (!replies) throw new Error('Redis transaction was aborted');
  return replies.map(([error, result]) => {
    if (error) throw error;
    return result;
  });
}
