import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { baseConfigSchema, ConfigError, extendConfigSchema, parseConfig } from '../src/config/config.js';

describe('config', () => {
  it('when env is empty, then every key has its documented default', () => {
    const config = parseConfig(baseConfigSchema, {});
    expect(config.PORT).toBe(8080);
    expect(config.DB_POOL_SIZE).toBe(10);
    expect(config.DB_MAX_OVERFLOW).toBe(20);
    expect(config.CACHE_TTL_SECONDS).toBe(300);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.DATA_DIR).toBe('./.data');
  });

  it('when numbers come as strings, then they are coerced and the result is frozen', () => {
    const config = parseConfig(baseConfigSchema, { PORT: '3001', DB_POOL_SIZE: ' 5 ', REDIS_URL: '' });
    expect(config.PORT).toBe(3001);
    expect(config.DB_POOL_SIZE).toBe(5);
    expect(config.REDIS_URL).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('when values are bad, then the error names each variable and what it expects', () => {
    let caught: unknown;
    try {
      parseConfig(baseConfigSchema, { PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as ConfigError).message;
    expect(message).toContain('PORT="eighty" is invalid');
    expect(message).toContain('LOG_LEVEL="loud" is invalid: expected one of fatal, error, warn');
    expect(message).toContain('DATABASE_URL="mysql://x" is invalid: expected a value matching ^postgres');
  });

  it("when a service extends the schema, then its own keys are typed and validated with the base's", () => {
    const schema = extendConfigSchema(Type.Object({ COURSES_URL: Type.String({ default: 'http://x' }) }));
    const config = parseConfig(schema, { PORT: '1' });
    expect(config.COURSES_URL).toBe('http://x');
    expect(config.PORT).toBe(1);
  });

  it('when DATABASE_PASSWORD_FILE is set, then its content becomes the URL password', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lectern-config-')), 'db_password');
    writeFileSync(file, 's3cr:t/\n');
    const config = parseConfig(baseConfigSchema, {
      DATABASE_URL: 'postgres://app@db:5432/lectern',
      DATABASE_PASSWORD_FILE: file,
    });
    expect(new URL(config.DATABASE_URL ?? '').password).toBe(encodeURIComponent('s3cr:t/'));
  });

  it('when DATABASE_PASSWORD_FILE is set with a read replica, then the replica URL gets the same password', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lectern-config-')), 'db_password');
    writeFileSync(file, 'replicated\n');
    const config = parseConfig(baseConfigSchema, {
      DATABASE_URL: 'postgres://app@db:5432/lectern',
      DATABASE_READ_URL: 'postgres://app@db-replica:5432/lectern',
      DATABASE_PASSWORD_FILE: file,
    });
    expect(new URL(config.DATABASE_READ_URL ?? '').password).toBe('replicated');
    expect(new URL(config.DATABASE_READ_URL ?? '').host).toBe('db-replica:5432');
  });

  it('when an entry point loads a bad config, then the process stops with the message and exit code 1', () => {
    const script = `import { loadConfig, baseConfigSchema } from './packages/kit/src/config/config.ts';
      loadConfig(baseConfigSchema); console.log('unreachable');`;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, DB_POOL_SIZE: '0' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('DB_POOL_SIZE="0" is invalid');
    expect(result.stdout).not.toContain('unreachable');
  });
});
