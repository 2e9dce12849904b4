import { Redis, type RedisOptions } from 'ioredis';

export interface RedisClientOptions {
  /** Sent as CLIENT SETNAME, so CLIENT LIST shows which service holds a connection. */
  name?: string;
  /** Hears about connection errors at most once a minute: an outage is logged, never floods the log. */
  onError?: (error: Error) => void;
}

const errorReportIntervalMs = 60_000;
const maxReconnectDelayMs = 2_000;

/** Doubles from 50 ms up to 2 s and never gives up; the jitter keeps replicas from reconnecting in lockstep. */
function reconnectDelay(attempt: number): number {
  const ceiling = Math.min(maxReconnectDelayMs, 50 * 2 ** Math.min(attempt, 10));
  return Math.round(ceiling * (0.5 + Math.random() / 2));
}

class BoundedRedis extends Redis {
  /**
   * With the offline queue off, ioredis rejects QUIT while disconnected and then keeps reconnecting forever,
   * which holds the process open. A quit must always end the client.
   */
  override async quit(): Promise<'OK'> {
    if (this.status === 'ready') {
      try {
        return await super.quit();
      } catch {
        // Redis went away or stalled mid-quit: close the socket ourselves.
      }
    }
    this.disconnect();
    return 'OK';
  }

  override duplicate(override?: Partial<RedisOptions>): Redis {
    return new BoundedRedis({ ...this.options, ...override });
  }
}

/**
 * A client for a cache and rate limiter that must survive Redis being down: commands fail at once instead of
 * queueing, each one is bounded by a timeout, and the connection is retried in the background forever.
 */
export function createRedis(url: string, options: RedisClientOptions = {}): Redis {
  const redis = new BoundedRedis(url, {
    connectionName: options.name,
    connectTimeout: 1_000,
    commandTimeout: 500,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    // Commands issued in the same tick (rate-limit counters and cache reads of concurrent requests) leave in one
    // write: under load that is one syscall for many requests instead of one each.
    enableAutoPipelining: true,
    retryStrategy: reconnectDelay,
    // ioredis waits this long for a socket that may already be closed (quit while reconnecting) before exiting.
    disconnectTimeout: 100,
  });
  // Without a listener ioredis prints every failed reconnect attempt.
  let lastReportAt = -Infinity;
  redis.on('error', (error: Error) => {
    const now = performance.now();
    if (now - lastReportAt < errorReportIntervalMs) return;
    lastReportAt = now;
    options.onError?.(error);
  });
  return redis;
}

/** For readiness checks: rejects at once while disconnected, and within the command timeout when Redis stalls. */
export async function pingRedis(redis: Redis): Promise<void> {
  await redis.ping();
}
