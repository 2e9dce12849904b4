// oidc-provider ships no types; this file is the only user of the declarations, wherever it is compiled from.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./oidc-provider.d.ts" />
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import type { OidcAccount, ProviderContext } from 'oidc-provider';

/** An account at the test provider; its claims are whatever the test puts here, read at each sign-in. */
export interface TestOidcAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export interface TestOidcProviderOptions {
  /** The callback URLs of the one client, `clientId`. */
  redirectUris: string[];
  clientId?: string;
  /**
   * The loopback address it listens on and names its issuer with; 127.0.0.2 makes it another site than an app on
   * 127.0.0.1, so a browser test sees the callback as the cross-site navigation it is in real life.
   */
  hostname?: string;
}

export interface TestOidcProvider {
  /** http://<hostname>:<port>, what discovery starts from. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Subject → claims; change them between sign-ins (an e-mail changed at the provider). */
  accounts: Map<string, TestOidcAccount>;
  /**
   * Drives the provider's sign-in without a browser, the way its login page would: follows the redirects from
   * `authorizationUrl` with a cookie jar, submits `subject` (or cancels) at the login page, and returns the URL the
   * provider sends the browser back to (the client's callback with code and state, or with error).
   */
  signIn(authorizationUrl: string, subject: string, options?: { cancel?: boolean }): Promise<URL>;
  stop(): Promise<void>;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

/**
 * A real OpenID Connect provider (the oidc-provider package) on a free loopback port, for tests of single sign-on:
 * one confidential client, accounts the test controls, and a small login page of its own (account field, "Sign
 * in" and "Cancel") instead of the package's development pages. Consent is implied for the client.
 */
export async function startTestOidcProvider(options: TestOidcProviderOptions): Promise<TestOidcProvider> {
  const { Provider } = await import('oidc-provider');
  const accounts = new Map<string, TestOidcAccount>();
  const clientId = options.clientId ?? 'lectern';
  const clientSecret = randomBytes(24).toString('base64url');
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'test-key' };

  let server: Server | undefined;
  let handle: (request: IncomingMessage, response: ServerResponse) => void = () => undefined;
  server = createServer((request, response) => handle(request, response));
  const hostname = options.hostname ?? '127.0.0.1';
  server.listen(0, hostname);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${hostname}:${port}`;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(24).toString('base64url')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      Grant: 600,
      IdToken: 600,
      Interaction: 600,
      Session: 600,
    },
    findAccount: (_context: unknown, sub: string): OidcAccount | undefined => {
      if (!accounts.has(sub)) return undefined;
      return { accountId: sub, claims: () => ({ sub, ...accounts.get(sub) }) };
    },
    loadExistingGrant: async (context: ProviderContext) => {
      const accountId = context.oidc.session?.accountId;
      const client = context.oidc.client;
      if (accountId === undefined || client === undefined) return undefined;
      const grant = new context.oidc.provider.Grant({ accountId, clientId: client.clientId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  const providerHandler = provider.callback();

  const loginPage = (uid: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Test provider: sign in</title></head>
<body><main><h1>Test provider</h1>
<form method="post" action="/interaction/${escapeHtml(uid)}">
<label for="account">Account</label> <input id="account" name="account" autocomplete="username">
<button type="submit" name="action" value="login">Sign in</button>
<button type="submit" name="action" value="cancel">Cancel</button>
</form></main></body></html>`;

  const interaction = async (request: IncomingMessage, response: ServerResponse) => {
    const details = await provider.interactionDetails(request, response);
    if (request.method !== 'POST') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(details.uid));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const result =
      form.get('action') === 'cancel'
        ? { error: 'access_denied', error_description: 'The user cancelled the sign-in.' }
        : { login: { accountId: form.get('account') ?? '' } };
    await provider.interactionFinished(request, response, result, { mergeWithLastSubmission: false });
  };

  handle = (request, response) => {
    if (request.url?.startsWith('/interaction/')) {
      interaction(request, response).catch((error: unknown) => {
        response.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
      });
      return;
    }
    providerHandler(request, response);
  };

  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    async signIn(authorizationUrl, subject, signInOptions = {}) {
      const jar = new Map<string, string>();
      let url = new URL(authorizationUrl);
      for (let hop = 0; hop < 10; hop++) {
        if (url.origin !== new URL(issuer).origin) return url;
        const submit = url.pathname.startsWith('/interaction/');
        const body = submit
          ? new URLSearchParams({ account: subject, action: signInOptions.cancel ? 'cancel' : 'login' })
          : undefined;
        const response = await fetch(url, {
          method: submit ? 'POST' : 'GET',
          redirect: 'manual',
          headers: {
            cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; '),
            ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          },
          body: body?.toString(),
        });
        for (const cookie of response.headers.getSetCookie()) {
          const [pair = ''] = cookie.split(';');
          const separator = pair.indexOf('=');
          jar.set(pair.slice(0, separator), pair.slice(separator + 1));
        }
        const location = response.headers.get('location');
        if (location === null) {
          throw new Error(
            `the provider answered ${response.status} at ${url.href}: ${await response.text()}`,
          );
        }
        url = new URL(location, url);
      }
      throw new Error('the provider redirected too often');
    },
    async stop() {
      if (server === undefined) return;
      const closing = server;
      server = undefined;
      closing.closeAllConnections();
      await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
  };
}
