import { ConfigError, parseConfig } from '@lectern/kit';
import { describe, expect, it } from 'vitest';
import { authConfigSchema } from '../src/config.js';

describe('authConfigSchema', () => {
  it('when nothing is set, then the secure defaults apply', () => {
    const config = parseConfig(authConfigSchema, {});
    expect(config).toMatchObject({
      PORT: 3000,
      ACCESS_TOKEN_TTL_SECONDS: 900,
      REFRESH_TOKEN_TTL_SECONDS: 2_592_000,
      AUTH_RATE_LIMIT_MAX: 10,
      AUTH_RATE_LIMIT_WINDOW_MS: 60_000,
      PASSWORD_HASH_MEMORY_KIB: 19_456,
      PASSWORD_HASH_TIME_COST: 2,
      PASSWORD_HASH_PARALLELISM: 1,
      UV_THREADPOOL_SIZE: 4,
      PASSWORD_HASH_QUEUE_MAX: 64,
    });
    expect(config.PASSWORD_HASH_CONCURRENCY).toBeUndefined();
  });

  it('when a value is out of range, then parsing names it', () => {
    expect(() => parseConfig(authConfigSchema, { PASSWORD_HASH_MEMORY_KIB: '64' })).toThrow(ConfigError);
    expect(() => parseConfig(authConfigSchema, { ACCESS_TOKEN_TTL_SECONDS: '0' })).toThrow(
      /ACCESS_TOKEN_TTL_SECONDS/,
    );
  });
});
