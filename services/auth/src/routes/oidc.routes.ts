import { AppError } from '@lectern/kit';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authErrors } from '../auth.errors.js';
import type { SsoService } from '../sso.service.js';
import { perIpLimits } from './attempt-limits.js';
import { LocaleName, problemResponses } from './auth.schemas.js';
import type { AuthApp } from './auth-app.js';
import type { LoginFlowCookie } from './oidc-flow-cookie.js';
import { setRefreshCookie } from './refresh-cookie.js';

export interface OidcRoutesOptions {
  sso: SsoService;
  flowCookie: LoginFlowCookie;
  /** PUBLIC_URL: the origin `next` must stay on, and the base of every provider's redirect URI. */
  publicUrl: string;
  attempts: { max: number; windowMs: number };
  refreshTtlSeconds: number;
}

/** The web app's page that finishes a sign-in (refreshes through the cookie) or shows why it failed. */
export const LANDING_PAGE = '/account/sso';

/** Where each provider sends the browser back: registered at the provider as the client's redirect URI. */
export function redirectUri(publicUrl: string, provider: string): string {
  return new URL(`/api/auth/oidc/${provider}/callback`, publicUrl).href;
}

/**
 * `next` as a path on the web app's own origin, by the web app's rule (apps/web safeNext): parsed as a URL against
 * PUBLIC_URL, so `//evil`, `/\evil` and tab tricks resolve elsewhere and give '/'.
 */
export function safeNext(next: string | undefined, publicUrl: string): string {
  if (next === undefined || !next.startsWith('/')) return '/';
  const origin = new URL(publicUrl).origin;
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return '/';
  }
  if (url.origin !== origin) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}

const ProviderParams = Type.Object({
  provider: Type.String({
    minLength: 1,
    maxLength: 64,
    description: 'a provider id from /api/auth/oidc/providers',
  }),
});

const Providers = Type.Array(
  Type.Object({
    id: Type.String({ description: 'the path segment of the provider’s login route' }),
    name: Type.String({ description: 'the label of its "Sign in with …" button' }),
  }),
);

const LoginQuery = Type.Object({
  next: Type.Optional(
    Type.String({ maxLength: 2048, description: 'a same-origin path to open after signing in' }),
  ),
  locale: Type.Optional(LocaleName),
});

const Redirect = Type.Null({ description: 'see Location' });

function noStore(reply: FastifyReply): void {
  void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

/** A browser navigating here (the buttons, the provider's redirect) reads a page, not problem+json. */
function wantsPage(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

export function oidcRoutes(app: AuthApp, options: OidcRoutesOptions): void {
  const { sso, flowCookie, publicUrl, attempts, refreshTtlSeconds } = options;
  const perIp = perIpLimits(app, attempts);
  const ownLimits = { rateLimit: false } as const;
  const limits = `${attempts.max} per ${attempts.windowMs / 1000} s per client IP.`;

  /** An AppError becomes the landing page showing its code for a browser, problem+json for anyone else. */
  const failed = (request: FastifyRequest, reply: FastifyReply, error: unknown) => {
    if (!(error instanceof AppError) || !wantsPage(request)) throw error;
    if (error.statusCode >= 500) request.log.warn({ err: error.cause ?? error }, error.message);
    return reply.redirect(`${LANDING_PAGE}?error=${encodeURIComponent(error.code)}`, 303);
  };

  app.get(
    '/api/auth/oidc/providers',
    {
      schema: {
        tags: ['auth'],
        summary: 'The configured single sign-on providers, for "Sign in with …" buttons',
        response: { 200: Providers, ...problemResponses },
      },
    },
    async (_request, reply) => {
      void reply.header('cache-control', 'no-cache');
      return sso.providers();
    },
  );

  app.get(
    '/api/auth/oidc/:provider/login',
    {
      config: ownLimits,
      preHandler: [perIp('auth:sso-login-ip')],
      schema: {
        tags: ['auth'],
        summary: 'Start signing in at an OpenID Connect provider (authorization code, PKCE, state, nonce)',
        description:
          `Redirects to the provider and sets the short-lived, signed lectern_oidc cookie its callback checks. ${limits} ` +
          'A browser (Accept: text/html) is sent to the web app’s /account/sso page with ?error=<code> instead of a problem.',
        params: ProviderParams,
        querystring: LoginQuery,
        response: { 302: Redirect, 303: Redirect, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { provider } = request.params;
      noStore(reply);
      try {
        const { url, checks } = await sso.startLogin(provider);
        await flowCookie.set(reply, {
          provider,
          ...checks,
          next: safeNext(request.query.next, publicUrl),
          locale: request.query.locale ?? 'en',
        });
        return await reply.redirect(url.href, 302);
      } catch (error) {
        return failed(request, reply, error);
      }
    },
  );

  app.get(
    '/api/auth/oidc/:provider/callback',
    {
      config: ownLimits,
      preHandler: [perIp('auth:sso-callback-ip')],
      schema: {
        tags: ['auth'],
        summary: 'Where the provider sends the browser back: signs in and opens the web app',
        description:
          'Checks state (against the lectern_oidc cookie), PKCE and the ID token’s nonce, finds or makes the account ' +
          '(linked only through an e-mail the provider verified), sets the HttpOnly lectern_refresh cookie and ' +
          `redirects to /account/sso, which trades the cookie for an access token: no token is ever in a URL. ${limits}`,
        params: ProviderParams,
        response: { 303: Redirect, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { provider } = request.params;
      noStore(reply);
      try {
        sso.requireProvider(provider);
        const flow = await flowCookie.read(request, provider);
        flowCookie.clear(reply, provider);
        const callbackUrl = new URL(redirectUri(publicUrl, provider));
        callbackUrl.search = new URL(request.url, 'http://callback.invalid').search;
        if (flow === undefined || callbackUrl.searchParams.get('state') !== flow.state) {
          throw authErrors.ssoStateInvalid();
        }
        const pair = await sso.finishLogin(provider, callbackUrl, flow, flow.locale);
        setRefreshCookie(request, reply, pair.refresh_token, refreshTtlSeconds);
        return await reply.redirect(`${LANDING_PAGE}?next=${encodeURIComponent(flow.next)}`, 303);
      } catch (error) {
        return failed(request, reply, error);
      }
    },
  );
}
