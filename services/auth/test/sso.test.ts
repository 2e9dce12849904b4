import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestOidcProvider, unique, type TestOidcProvider } from '@lectern/kit/testing';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOW_COOKIE, LoginFlowCookie } from '../src/routes/oidc-flow-cookie.js';
import { REFRESH_COOKIE } from '../src/routes/refresh-cookie.js';
import {
  loginRequest,
  register,
  relaxedLimits,
  strongPassword,
  uniqueEmail,
  uniqueIp,
  type AuthHarness,
  type Problem,
  startAuth,
} from './helpers.js';

const PUBLIC_URL = 'https://lectern.test';
const CALLBACK = `${PUBLIC_URL}/api/auth/oidc/uni/callback`;

let provider: TestOidcProvider;
/** A second provider, stopped by the test that needs one going down in the middle of a sign-in. */
let flaky: TestOidcProvider;
let auth: AuthHarness;
let configDir: string;

/** The cookies a response sets, by name (the last value wins), as `name=value` for a Cookie header. */
function setCookies(response: LightMyRequestResponse): Map<string, string> {
  const header = response.headers['set-cookie'];
  const lines = header === undefined ? [] : Array.isArray(header) ? header : [header];
  const cookies = new Map<string, string>();
  for (const line of lines) {
    const [pair = ''] = line.split(';');
    const separator = pair.indexOf('=');
    cookies.set(pair.slice(0, separator), pair.slice(separator + 1));
  }
  return cookies;
}

interface StartedLogin {
  response: LightMyRequestResponse;
  authorizationUrl: string;
  flowCookie: string;
}

async function startLogin(query = '', providerId = 'uni'): Promise<StartedLogin> {
  const response = await auth.app.inject({
    method: 'GET',
    url: `/api/auth/oidc/${providerId}/login${query}`,
    remoteAddress: uniqueIp(),
  });
  expect(response.statusCode, response.body).toBe(302);
  const flowCookie = setCookies(response).get(FLOW_COOKIE);
  if (!flowCookie) throw new Error('no flow cookie');
  return { response, authorizationUrl: String(response.headers.location), flowCookie };
}

function callback(url: URL, flowCookie: string | undefined, headers: Record<string, string> = {}) {
  expect(url.href).toMatch(/^https:\/\/lectern\.test\/api\/auth\/oidc\/[a-z]+\/callback\?/);
  return auth.app.inject({
    method: 'GET',
    url: `${url.pathname}${url.search}`,
    headers: { ...(flowCookie === undefined ? {} : { cookie: `${FLOW_COOKIE}=${flowCookie}` }), ...headers },
    remoteAddress: uniqueIp(),
  });
}

/** A whole sign-in as `subject`: login, the provider's page, the callback. */
async function signInAs(subject: string) {
  const login = await startLogin();
  const returned = await provider.signIn(login.authorizationUrl, subject);
  const response = await callback(returned, login.flowCookie);
  return { login, returned, response };
}

/** Trades the callback's refresh cookie for an access token and reads /me with it, as the web app's landing page does. */
async function accountBehind(response: LightMyRequestResponse) {
  const refresh = setCookies(response).get(REFRESH_COOKIE);
  if (!refresh) throw new Error(`no refresh cookie: ${response.statusCode} ${response.body}`);
  const refreshed = await auth.app.inject({
    method: 'POST',
    url: '/api/auth/refresh',
    headers: { cookie: `${REFRESH_COOKIE}=${refresh}`, 'x-refresh-token-mode': 'cookie' },
    payload: {},
  });
  expect(refreshed.statusCode, refreshed.body).toBe(200);
  const { access_token: accessToken } = refreshed.json<{ access_token: string }>();
  const me = await auth.app.inject({
    method: 'GET',
    url: '/api/auth/me',
    headers: { authorization: `Bearer ${accessToken}` },
  });
  expect(me.statusCode, me.body).toBe(200);
  return {
    account: me.json<{ id: number; email: string; role: string; email_verified: boolean }>(),
    refresh,
    accessToken,
  };
}

function expectRefused(response: LightMyRequestResponse, status: number, code: string) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.json<Problem>().code).toBe(code);
  expect(setCookies(response).get(REFRESH_COOKIE) ?? '').toBe('');
}

beforeAll(async () => {
  provider = await startTestOidcProvider({ redirectUris: [CALLBACK] });
  flaky = await startTestOidcProvider({ redirectUris: [`${PUBLIC_URL}/api/auth/oidc/flaky/callback`] });
  configDir = mkdtempSync(join(tmpdir(), 'lectern-sso-'));
  writeFileSync(join(configDir, 'uni.secret'), `${provider.clientSecret}\n`);
  writeFileSync(join(configDir, 'flaky.secret'), flaky.clientSecret);
  writeFileSync(
    join(configDir, 'providers.json'),
    JSON.stringify([
      {
        id: 'uni',
        name: 'University',
        issuer: provider.issuer,
        client_id: provider.clientId,
        client_secret_file: 'uni.secret',
      },
      // Nothing listens there: the provider is down.
      { id: 'down', name: 'Down', issuer: 'http://127.0.0.1:9', client_id: 'lectern' },
      {
        id: 'flaky',
        name: 'Flaky',
        issuer: flaky.issuer,
        client_id: flaky.clientId,
        client_secret_file: 'flaky.secret',
      },
    ]),
  );
  auth = await startAuth({
    ...relaxedLimits,
    PUBLIC_URL,
    OIDC_PROVIDERS_FILE: join(configDir, 'providers.json'),
  });
}, 60_000);

afterAll(async () => {
  await auth.close();
  await provider.stop();
  await flaky.stop();
  rmSync(configDir, { recursive: true, force: true });
});

describe('single sign-on through OpenID Connect', () => {
  it('lists the configured providers for the buttons, without secrets', async () => {
    const response = await auth.app.inject({ method: 'GET', url: '/api/auth/oidc/providers' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual([
      { id: 'uni', name: 'University' },
      { id: 'down', name: 'Down' },
      { id: 'flaky', name: 'Flaky' },
    ]);
    expect(response.body).not.toContain(provider.clientSecret);
  });

  it('redirects to the provider with PKCE, state and nonce, keeping them in a signed Lax cookie', async () => {
    const { response, authorizationUrl } = await startLogin('?next=%2Fcourses%2F7');
    const url = new URL(authorizationUrl);
    expect(url.origin).toBe(provider.issuer);
    expect(url.searchParams.get('redirect_uri')).toBe(CALLBACK);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(url.searchParams.get('nonce')).toMatch(/^[\w-]{20,}$/);
    expect(url.searchParams.get('scope')).toBe('openid email');
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/Path=\/api\/auth\/oidc\/uni\//);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('when a new person signs in with a verified e-mail, then a student account without a password is made, verified', async () => {
    const subject = unique('new');
    const email = uniqueEmail('sso-new');
    provider.accounts.set(subject, { email: email.toUpperCase(), email_verified: true });
    const { login, response } = await signInAs(subject);
    expect(response.statusCode, response.body).toBe(303);
    expect(response.headers.location).toBe('/account/sso?next=%2F');
    const { account, refresh, accessToken } = await accountBehind(response);
    expect(account).toMatchObject({ email, role: 'student', email_verified: true });

    // No token in any URL a server could log.
    for (const location of [login.authorizationUrl, String(response.headers.location)]) {
      expect(location).not.toContain(refresh);
      expect(location).not.toContain(accessToken);
      expect(location).not.toMatch(/eyJ|token/i);
    }
    // The account has no password: no password logs in, and the answer is that of a wrong password.
    const byPassword = await loginRequest(auth.app, email, strongPassword);
    expect(byPassword.statusCode).toBe(401);
    expect(byPassword.json<Problem>().code).toBe('invalid_credentials');
  });

  it('when the same subject signs in again after changing its e-mail at the provider, then it is the same account', async () => {
    const subject = unique('again');
    const email = uniqueEmail('sso-again');
    provider.accounts.set(subject, { email, email_verified: true });
    const first = await accountBehind((await signInAs(subject)).response);
    provider.accounts.set(subject, { email: uniqueEmail('sso-moved'), email_verified: false });
    const second = await accountBehind((await signInAs(subject)).response);
    expect(second.account.id).toBe(first.account.id);
    expect(second.account.email).toBe(email);
  });

  it('when the provider verified the e-mail of an existing account, then it is linked and the password keeps working', async () => {
    const existing = await register(auth.app, uniqueEmail('sso-link'));
    const subject = unique('link');
    provider.accounts.set(subject, { email: ` ${existing.email.toUpperCase()}`, email_verified: true });
    const { response } = await signInAs(subject);
    expect(response.statusCode, response.body).toBe(303);
    const { account } = await accountBehind(response);
    expect(account.id).toBe(existing.id);
    expect(account.email_verified).toBe(true);
    expect((await loginRequest(auth.app, existing.email, existing.password)).statusCode).toBe(200);
  });

  it('when the provider has not verified an e-mail an account already has, then the sign-in is refused', async () => {
    const existing = await register(auth.app, uniqueEmail('sso-takeover'));
    const subject = unique('takeover');
    provider.accounts.set(subject, { email: existing.email, email_verified: false });
    const { response } = await signInAs(subject);
    expectRefused(response, 403, 'sso_email_unverified');

    // Nothing was linked: verifying the address later links the existing account, not a stranger's.
    provider.accounts.set(subject, { email: existing.email, email_verified: true });
    const linked = await accountBehind((await signInAs(subject)).response);
    expect(linked.account.id).toBe(existing.id);
  });

  it('when the provider has not verified the e-mail of a new person, then no account is made', async () => {
    const subject = unique('unverified');
    const email = uniqueEmail('sso-unverified');
    provider.accounts.set(subject, { email, email_verified: false });
    expectRefused((await signInAs(subject)).response, 403, 'sso_email_unverified');
    const registered = await register(auth.app, email);
    expect(registered.id).toBeGreaterThan(0);
  });

  it('when the state in the callback was changed, then it is refused', async () => {
    const subject = unique('state');
    provider.accounts.set(subject, { email: uniqueEmail('sso-state'), email_verified: true });
    const login = await startLogin();
    const returned = await provider.signIn(login.authorizationUrl, subject);
    returned.searchParams.set('state', 'tampered-state-value-0123456789');
    expectRefused(await callback(returned, login.flowCookie), 400, 'sso_state_invalid');
  });

  it('when the callback comes without its cookie or with a forged one, then it is refused', async () => {
    const subject = unique('cookie');
    provider.accounts.set(subject, { email: uniqueEmail('sso-cookie'), email_verified: true });
    const login = await startLogin();
    const returned = await provider.signIn(login.authorizationUrl, subject);
    expectRefused(await callback(returned, undefined), 400, 'sso_state_invalid');
    const [header = '', payload = '', signature = ''] = login.flowCookie.split('.');
    const forged = `${header}.${payload}.${signature.slice(0, -4)}AAAA`;
    expectRefused(await callback(returned, forged), 400, 'sso_state_invalid');
  });

  it('when the nonce does not match the ID token, then it is refused', async () => {
    const subject = unique('nonce');
    provider.accounts.set(subject, { email: uniqueEmail('sso-nonce'), email_verified: true });
    const login = await startLogin();
    const returned = await provider.signIn(login.authorizationUrl, subject);
    const cookies = new LoginFlowCookie(auth.keys, auth.config.JWT_ISSUER, auth.config.JWT_AUDIENCE, true);
    const flow = await cookies.verify(login.flowCookie, 'uni');
    if (!flow) throw new Error('the flow cookie did not verify');
    const wrongNonce = await cookies.sign({ ...flow, nonce: 'another-nonce-0123456789abcdef' });
    expectRefused(await callback(returned, wrongNonce), 400, 'sso_failed');
  });

  it('when a code is replayed, then the provider refuses it and nobody is signed in', async () => {
    const subject = unique('replay');
    provider.accounts.set(subject, { email: uniqueEmail('sso-replay'), email_verified: true });
    const { login, returned, response } = await signInAs(subject);
    expect(response.statusCode).toBe(303);
    expectRefused(await callback(returned, login.flowCookie), 400, 'sso_failed');
  });

  it('when the user cancels at the provider, then the error is a 400, or the web page for a browser', async () => {
    const subject = unique('cancel');
    provider.accounts.set(subject, { email: uniqueEmail('sso-cancel'), email_verified: true });
    const login = await startLogin();
    const returned = await provider.signIn(login.authorizationUrl, subject, { cancel: true });
    expect(returned.searchParams.get('error')).toBe('access_denied');
    expectRefused(await callback(returned, login.flowCookie), 400, 'sso_provider_error');

    const page = await callback(returned, login.flowCookie, { accept: 'text/html,application/xhtml+xml' });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/account/sso?error=sso_provider_error');
    expect(setCookies(page).get(REFRESH_COOKIE) ?? '').toBe('');
  });

  it('keeps `next` on this site, by the web app’s rule', async () => {
    for (const [next, kept] of [
      ['/courses/7?tab=lessons', '/courses/7?tab=lessons'],
      ['//evil.example/x', '/'],
      ['/\\evil.example', '/'],
      ['https://evil.example/', '/'],
    ] as const) {
      const subject = unique('next');
      provider.accounts.set(subject, { email: uniqueEmail('sso-next'), email_verified: true });
      const login = await startLogin(`?next=${encodeURIComponent(next)}`);
      const response = await callback(
        await provider.signIn(login.authorizationUrl, subject),
        login.flowCookie,
      );
      expect(response.headers.location).toBe(`/account/sso?next=${encodeURIComponent(kept)}`);
    }
  });

  it('answers 404 for an unknown provider and 503 when the provider is down', async () => {
    for (const path of ['/api/auth/oidc/nope/login', '/api/auth/oidc/nope/callback?code=x&state=y']) {
      const response = await auth.app.inject({ method: 'GET', url: path, remoteAddress: uniqueIp() });
      expect(response.statusCode).toBe(404);
      expect(response.json<Problem>().code).toBe('sso_provider_not_found');
    }
    const down = await auth.app.inject({
      method: 'GET',
      url: '/api/auth/oidc/down/login',
      remoteAddress: uniqueIp(),
    });
    expect(down.statusCode, down.body).toBe(503);
    expect(down.json<Problem>().code).toBe('sso_provider_unavailable');
    expect(down.headers['retry-after']).toBe('30');
  });

  it('when the provider goes down between the sign-in page and the callback, then the callback answers 503', async () => {
    const subject = unique('flaky');
    flaky.accounts.set(subject, { email: uniqueEmail('sso-flaky'), email_verified: true });
    const login = await startLogin('', 'flaky');
    const returned = await flaky.signIn(login.authorizationUrl, subject);
    await flaky.stop();
    const response = await callback(returned, login.flowCookie);
    expectRefused(response, 503, 'sso_provider_unavailable');
    expect(response.headers['retry-after']).toBe('30');
  });
});

describe('single sign-on limits', () => {
  let limited: AuthHarness;

  beforeAll(async () => {
    limited = await startAuth({
      AUTH_RATE_LIMIT_MAX: '2',
      PUBLIC_URL,
      OIDC_PROVIDERS_FILE: join(configDir, 'providers.json'),
    });
  }, 60_000);

  afterAll(async () => {
    await limited.close();
  });

  it('counts sign-in starts per client IP like the other auth routes', async () => {
    const remoteAddress = uniqueIp();
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await limited.app.inject({
        method: 'GET',
        url: '/api/auth/oidc/uni/login',
        remoteAddress,
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([302, 302, 429]);
  });

  it('counts callbacks per client IP too', async () => {
    const remoteAddress = uniqueIp();
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await limited.app.inject({
        method: 'GET',
        url: '/api/auth/oidc/uni/callback?code=guess&state=guess',
        remoteAddress,
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([400, 400, 429]);
  });
});
