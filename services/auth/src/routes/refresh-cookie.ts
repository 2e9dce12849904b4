import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Browsers keep the refresh token in an HttpOnly cookie that script cannot read (an XSS cannot steal it),
 * sent only to the two paths that take it. API clients (codERROR's) keep the JSON field; a client opts into
 * the cookie with this request header on login and refresh.
 */
export const REFRESH_COOKIE_MODE_HEADER = 'x-refresh-token-mode';
export const REFRESH_COOKIE = 'lectern_refresh';
const cookiePaths = ['/api/auth/refresh', '/api/auth/logout'];

export function wantsRefreshCookie(request: FastifyRequest): boolean {
  return request.headers[REFRESH_COOKIE_MODE_HEADER] === 'cookie';
}

/** The refresh token of the cookie, if the request carries one (refresh and logout only: the cookie's paths). */
export function refreshTokenFromCookie(request: FastifyRequest): string | undefined {
  return cookieValue(request, REFRESH_COOKIE);
}

/** The value of the request's cookie `name`; undefined when absent or empty. */
export function cookieValue(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) {
      return part.slice(separator + 1).trim() || undefined;
    }
  }
  return undefined;
}

/** Secure whenever the browser reached us over TLS (request.protocol honours TRUSTED_PROXIES' X-Forwarded-Proto). */
export function setRefreshCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  token: string | null,
  maxAgeSeconds: number,
): void {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  const value = token ?? '';
  const maxAge = token === null ? 0 : maxAgeSeconds;
  void reply.header(
    'set-cookie',
    cookiePaths.map(
      (path) =>
        `${REFRESH_COOKIE}=${value}; Path=${path}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure}`,
    ),
  );
}
