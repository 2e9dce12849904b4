import { createPublicKey } from 'node:crypto';
import { createTestIssuer } from '@lectern/kit/testing';
import { createLocalJWKSet, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefreshTokensRepository } from '../src/refresh-tokens.repository.js';
import { hashRefreshToken } from '../src/sessions.service.js';
import {
  claimsOf,
  fieldsOf,
  login,
  me,
  problem,
  refreshRequest,
  register,
  startAuth,
  type AuthHarness,
  type Session,
} from './helpers.js';

let harness: AuthHarness;

beforeAll(async () => {
  harness = await startAuth();
});

afterAll(async () => {
  await harness.close();
});

async function signedIn() {
  const user = await register(harness.app);
  return { user, session: await login(harness.app, user.email) };
}

function logout(refreshToken: unknown) {
  return harness.app.inject({
    method: 'POST',
    url: '/api/auth/logout',
    payload: { refresh_token: refreshToken },
  });
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A token signed with the service's real key, with any claims. */
function signWithServiceKey(claims: JWTPayload, header: Record<string, unknown> = {}) {
  const { signing } = harness.keys;
  return new SignJWT({ email: 'x@example.com', role: 'student', ...claims })
    .setProtectedHeader({ alg: 'EdDSA', kid: signing.kid, ...header })
    .setIssuedAt()
    .setJti(crypto.randomUUID())
    .sign(signing.privateKey);
}

describe('access tokens', () => {
  it('when a user logs in, then the access token is an EdDSA JWT with the agreed claims and a JWKS kid', async () => {
    const { user, session } = await signedIn();
    const { header, payload } = claimsOf(session.access_token);
    expect(header).toMatchObject({ alg: 'EdDSA', kid: harness.keys.signing.kid });
    expect(payload).toMatchObject({
      sub: String(user.id),
      email: user.email,
      role: 'student',
      iss: harness.config.JWT_ISSUER,
      aud: harness.config.JWT_AUDIENCE,
    });
    expect(payload.exp).toBe((payload.iat ?? 0) + 900);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);

    const jwks = await harness.app.inject({ method: 'GET', url: '/api/auth/.well-known/jwks.json' });
    const keySet = createLocalJWKSet(jwks.json());
    await expect(
      jwtVerify(session.access_token, keySet, { issuer: 'lectern-auth', audience: 'lectern' }),
    ).resolves.toBeDefined();
  });

  it('when the JWKS is asked, then it publishes public Ed25519 keys only, cacheable', async () => {
    const response = await harness.app.inject({ method: 'GET', url: '/api/auth/.well-known/jwks.json' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    const { keys } = response.json<{ keys: Record<string, string>[] }>();
    expect(keys[0]).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: expect.any(String) as unknown,
      kid: harness.keys.signing.kid,
      alg: 'EdDSA',
      use: 'sig',
    });
    for (const key of keys) expect(key).not.toHaveProperty('d');
  });

  describe('when a token is forged or stale, then me answers 401 invalid_token', () => {
    const cases: [string, () => Promise<string>][] = [
      [
        'alg none',
        async () => {
          const { session } = await signedIn();
          const { payload } = claimsOf(session.access_token);
          return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ ...payload, role: 'admin' })}.`;
        },
      ],
      [
        'HS256 signed with the public key',
        async () => {
          const { user } = await signedIn();
          const publicPem = createPublicKey(harness.keys.signing.privateKey).export({
            type: 'spki',
            format: 'pem',
          });
          return new SignJWT({ email: user.email, role: 'admin' })
            .setProtectedHeader({ alg: 'HS256', kid: harness.keys.signing.kid })
            .setSubject(String(user.id))
            .setIssuer('lectern-auth')
            .setAudience('lectern')
            .setIssuedAt()
            .setJti(crypto.randomUUID())
            .setExpirationTime('5m')
            .sign(new TextEncoder().encode(publicPem.toString()));
        },
      ],
      [
        'a wrong audience',
        async () => {
          const { user } = await signedIn();
          const now = Math.floor(Date.now() / 1000);
          return signWithServiceKey({
            sub: String(user.id),
            iss: 'lectern-auth',
            aud: 'someone-else',
            exp: now + 300,
          });
        },
      ],
      [
        'a wrong issuer',
        async () => {
          const { user } = await signedIn();
          const now = Math.floor(Date.now() / 1000);
          return signWithServiceKey({ sub: String(user.id), iss: 'evil', aud: 'lectern', exp: now + 300 });
        },
      ],
      [
        'an expiry in the past',
        async () => {
          const { user } = await signedIn();
          const past = Math.floor(Date.now() / 1000) - 120;
          return signWithServiceKey({
            sub: String(user.id),
            iss: 'lectern-auth',
            aud: 'lectern',
            exp: past,
            iat: past - 900,
          });
        },
      ],
      [
        'a tampered payload',
        async () => {
          const { session } = await signedIn();
          const [header, payload, signature] = session.access_token.split('.');
          const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as JWTPayload;
          return `${header}.${base64url({ ...claims, role: 'admin' })}.${signature}`;
        },
      ],
      [
        'a key the service never published',
        async () => {
          const { user } = await signedIn();
          const stranger = await createTestIssuer();
          return stranger.sign({ id: user.id, email: user.email, role: 'admin' });
        },
      ],
    ];
    for (const [name, forge] of cases) {
      it(`(${name})`, async () => {
        const response = await me(harness.app, await forge());
        expect(response.statusCode).toBe(401);
        expect(problem(response).code).toBe('invalid_token');
        expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
      });
    }
  });

  it('when the user was deleted after the token was issued, then me and refresh answer 401', async () => {
    const { user, session } = await signedIn();
    await harness.infrastructure.database.query('delete from auth.users where id = $1', [user.id]);
    const profile = await me(harness.app, session.access_token);
    expect(profile.statusCode).toBe(401);
    expect(problem(profile).code).toBe('invalid_token');
    const refreshed = await refreshRequest(harness.app, session.refresh_token);
    expect(refreshed.statusCode).toBe(401);
    expect(problem(refreshed).code).toBe('invalid_refresh_token');
  });

  it('when the Authorization header is not Bearer, then me answers 401', async () => {
    const response = await harness.app.inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    });
    expect(response.statusCode).toBe(401);
  });
});

describe('POST /api/auth/refresh', () => {
  it('when the refresh token is fresh, then it answers a new pair, uncached, for the same user', async () => {
    const { user, session } = await signedIn();
    const response = await refreshRequest(harness.app, session.refresh_token);
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const next = response.json<Session>();
    expect(next.token_type).toBe('bearer');
    expect(next.refresh_token).not.toBe(session.refresh_token);
    expect(next.access_token).not.toBe(session.access_token);
    expect(claimsOf(next.access_token).payload.sub).toBe(String(user.id));
    expect((await me(harness.app, next.access_token)).statusCode).toBe(200);
  });

  it('when a rotated refresh token comes back, then it answers 401 and revokes the whole family', async () => {
    const { session } = await signedIn();
    const second = (await refreshRequest(harness.app, session.refresh_token)).json<Session>();
    const third = (await refreshRequest(harness.app, second.refresh_token)).json<Session>();

    const replay = await refreshRequest(harness.app, session.refresh_token);
    expect(replay.statusCode).toBe(401);
    expect(problem(replay).code).toBe('invalid_refresh_token');
    expect(replay.headers['www-authenticate']).toBe('Bearer realm="lectern"');
    expect((await refreshRequest(harness.app, third.refresh_token)).statusCode).toBe(401);
  });

  it('when one refresh token is used twice at once, then one use wins and the family is revoked', async () => {
    const { session } = await signedIn();
    const answers = await Promise.all([
      refreshRequest(harness.app, session.refresh_token),
      refreshRequest(harness.app, session.refresh_token),
    ]);
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([200, 401]);
    const winner = answers.find((answer) => answer.statusCode === 200)?.json<Session>();
    expect((await refreshRequest(harness.app, winner?.refresh_token ?? '')).statusCode).toBe(401);
  });

  it('when the refresh token expired, then it answers 401', async () => {
    const { session } = await signedIn();
    await harness.infrastructure.database.query(
      "update auth.refresh_tokens set expires_at = now() - interval '1 second' where token_hash = $1",
      [hashRefreshToken(session.refresh_token)],
    );
    expect((await refreshRequest(harness.app, session.refresh_token)).statusCode).toBe(401);
  });

  it('when refresh tokens expired over a day ago, then the sweep forgets them', async () => {
    const { session } = await signedIn();
    const tokenHash = hashRefreshToken(session.refresh_token);
    const { database } = harness.infrastructure;
    await database.query(
      "update auth.refresh_tokens set expires_at = now() - interval '2 days' where token_hash = $1",
      [tokenHash],
    );
    const repository = new RefreshTokensRepository(database.db);
    expect(await repository.deleteExpired(new Date(Date.now() - 86_400_000), 1000)).toBeGreaterThanOrEqual(1);
    expect(await repository.find(tokenHash)).toBeUndefined();
  });

  it('when the refresh token is unknown or garbage, then it answers 401', async () => {
    for (const token of ['A'.repeat(43), 'not a token', 'x']) {
      const response = await refreshRequest(harness.app, token);
      expect(response.statusCode, token).toBe(401);
      expect(problem(response).code).toBe('invalid_refresh_token');
    }
  });

  it('when the refresh token is an access token, then it answers 401', async () => {
    const { session } = await signedIn();
    expect((await refreshRequest(harness.app, session.access_token)).statusCode).toBe(401);
  });

  it('when refresh_token is not a string, then it answers 422 naming it; missing with no cookie, 401', async () => {
    // The web app sends no token in the body: its refresh token is the HttpOnly cookie.
    const missing = await harness.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: {} });
    expect(missing.statusCode).toBe(401);
    const wrongType = await harness.app.inject({
      method: 'POST',
      url: '/api/auth/refresh',
      payload: { refresh_token: 42 },
    });
    expect(fieldsOf(wrongType)).toEqual(['body.refresh_token']);
  });
});

describe('POST /api/auth/logout', () => {
  it('when a session logs out, then 204 and its refresh token no longer works, while other sessions do', async () => {
    const { user, session } = await signedIn();
    const other = await login(harness.app, user.email);
    const refreshed = (await refreshRequest(harness.app, session.refresh_token)).json<Session>();

    const response = await logout(refreshed.refresh_token);
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect((await refreshRequest(harness.app, refreshed.refresh_token)).statusCode).toBe(401);
    expect((await refreshRequest(harness.app, other.refresh_token)).statusCode).toBe(200);
  });

  it('when the token is unknown or already logged out, then it still answers 204', async () => {
    const { session } = await signedIn();
    expect((await logout(session.refresh_token)).statusCode).toBe(204);
    expect((await logout(session.refresh_token)).statusCode).toBe(204);
    expect((await logout('B'.repeat(43))).statusCode).toBe(204);
  });

  it('when refresh_token is not a string, then it answers 422 naming it; missing with no cookie, 204', async () => {
    expect((await logout(undefined)).statusCode).toBe(204);
    expect(fieldsOf(await logout(['x']))).toEqual(['body.refresh_token']);
  });
});
