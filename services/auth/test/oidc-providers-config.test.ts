import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@lectern/kit';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOidcProviders } from '../src/oidc-providers.config.js';

const dir = mkdtempSync(join(tmpdir(), 'lectern-oidc-config-'));
const SECRET = 'the-client-secret-never-printed';
writeFileSync(join(dir, 'uni.secret'), `${SECRET}\n`);

function providersFile(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const uni = {
  id: 'uni',
  name: 'University',
  issuer: 'https://idp.uni.example',
  client_id: 'lectern',
  client_secret_file: 'uni.secret',
};

async function problemsOf(path: string, nodeEnv = 'development'): Promise<string[]> {
  try {
    await loadOidcProviders({ OIDC_PROVIDERS_FILE: path, NODE_ENV: nodeEnv });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('OIDC_PROVIDERS_FILE', () => {
  it('when unset, then there are no providers', async () => {
    expect(await loadOidcProviders({ NODE_ENV: 'production' })).toEqual([]);
  });

  it('reads each provider, its secret from its own file relative to the list, and always asks for openid email', async () => {
    const path = providersFile('good.json', [
      { ...uni, scopes: ['profile', 'email'] },
      { id: 'public-idp', name: 'Public', issuer: 'https://public.example/realms/x', client_id: 'web' },
    ]);
    const [first, second] = await loadOidcProviders({ OIDC_PROVIDERS_FILE: path, NODE_ENV: 'production' });
    expect(first).toMatchObject({ id: 'uni', name: 'University', clientId: 'lectern', clientSecret: SECRET });
    expect(first?.scope).toBe('openid email profile');
    expect(first?.issuer.href).toBe('https://idp.uni.example/');
    expect(second).toMatchObject({ id: 'public-idp', clientSecret: undefined, scope: 'openid email' });
  });

  it('names what is wrong, without ever printing a secret', async () => {
    expect(await problemsOf(join(dir, 'missing.json'))).toEqual([
      expect.stringMatching(/missing\.json cannot be read/),
    ]);
    expect(await problemsOf(providersFile('broken.json', '[{'))).toEqual([
      expect.stringMatching(/broken\.json is not valid JSON/),
    ]);
    const invalid = await problemsOf(
      providersFile('invalid.json', [{ ...uni, id: 'Uni/../x', issuer: 'ftp://x', extra: SECRET }]),
    );
    expect(invalid.join('\n')).toMatch(/\/0\/id/);
    expect(invalid.join('\n')).toMatch(/\/0\/issuer/);
    expect(invalid.join('\n')).not.toContain(SECRET);
    expect(await problemsOf(providersFile('twice.json', [uni, uni]))).toEqual([
      expect.stringMatching(/"uni" is listed twice/),
    ]);
    expect(
      await problemsOf(providersFile('nosecret.json', [{ ...uni, client_secret_file: 'nope' }])),
    ).toEqual([expect.stringMatching(/client_secret_file .*nope cannot be read/)]);
  });

  it('refuses a plain-HTTP issuer in production only', async () => {
    const path = providersFile('http.json', [{ ...uni, issuer: 'http://127.0.0.1:9999' }]);
    expect(await problemsOf(path, 'production')).toEqual([expect.stringMatching(/production needs https/)]);
    expect(await loadOidcProviders({ OIDC_PROVIDERS_FILE: path, NODE_ENV: 'test' })).toHaveLength(1);
  });
});
