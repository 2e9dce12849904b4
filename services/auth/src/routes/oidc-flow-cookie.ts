import type { FastifyReply, FastifyRequest } from 'fastify';
import { jwtVerify, SignJWT } from 'jose';
import type { LoginChecks } from '../oidc.client.js';
import type { AuthKeys } from '../signing-keys.js';
import type { Locale } from '../users.repository.js';
import { cookieValue } from './refresh-cookie.js';

/** The sign-in a browser began: which provider, the checks for its callback, and where to go afterwards. */
export interface LoginFlow extends LoginChecks {
  provider: string;
  next: string;
  /** The web app's language, for an account the sign-in makes. */
  locale: Locale;
}

export const FLOW_COOKIE = 'lectern_oidc';
/** Long enough to type a password and a second factor at the provider, short enough to be useless later. */
export const FLOW_TTL_SECONDS = 600;
const FLOW_TYPE = 'lectern-oidc-flow+jwt';

/**
 * Keeps a sign-in's state, nonce and PKCE verifier in the browser that began it, as a JWT signed with the
 * access-token key (every replica can check it; nothing is stored server-side) and a purpose-bound audience and
 * type, so neither an access token nor anything else signed with that key passes as one. The cookie is
 * HttpOnly, limited to the provider's paths, SameSite=Lax (the callback is a cross-site top-level navigation, which
 * Lax allows and Strict would not) and Secure when PUBLIC_URL is https.
 */
export class LoginFlowCookie {
  private readonly audience: string;

  constructor(
    private readonly keys: AuthKeys,
    private readonly issuer: string,
    audience: string,
    private readonly secure: boolean,
  ) {
    this.audience = `${audience}:oidc-flow`;
  }

  async set(reply: FastifyReply, flow: LoginFlow): Promise<void> {
    this.write(reply, flow.provider, await this.sign(flow), FLOW_TTL_SECONDS);
  }

  /** The flow of this browser for `provider`, or undefined when the cookie is missing, forged, expired or another's. */
  async read(request: FastifyRequest, provider: string): Promise<LoginFlow | undefined> {
    const token = cookieValue(request, FLOW_COOKIE);
    return token === undefined ? undefined : this.verify(token, provider);
  }

  /** The cookie's value for `flow`. */
  sign(flow: LoginFlow): Promise<string> {
    const { keys } = this;
    return new SignJWT({
      provider: flow.provider,
      state: flow.state,
      nonce: flow.nonce,
      code_verifier: flow.codeVerifier,
      next: flow.next,
      locale: flow.locale,
    })
      .setProtectedHeader({ alg: keys.signing.alg, kid: keys.signing.kid, typ: FLOW_TYPE })
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setIssuedAt()
      .setExpirationTime(`${FLOW_TTL_SECONDS}s`)
      .sign(keys.signing.privateKey);
  }

  /** The flow a cookie value holds, if this service signed it for `provider` and it has not expired. */
  async verify(token: string, provider: string): Promise<LoginFlow | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.keys.getKey, {
        issuer: this.issuer,
        audience: this.audience,
        typ: FLOW_TYPE,
        algorithms: ['EdDSA'],
      });
      const { state, nonce, code_verifier: codeVerifier, next, locale } = payload;
      if (
        payload.provider !== provider ||
        typeof state !== 'string' ||
        typeof nonce !== 'string' ||
        typeof codeVerifier !== 'string' ||
        typeof next !== 'string' ||
        (locale !== 'en' && locale !== 'ru')
      ) {
        return undefined;
      }
      return { provider, state, nonce, codeVerifier, next, locale };
    } catch {
      return undefined;
    }
  }

  /** A callback spends the flow, whatever its outcome: the same cookie never signs in twice. */
  clear(reply: FastifyReply, provider: string): void {
    this.write(reply, provider, '', 0);
  }

  private write(reply: FastifyReply, provider: string, value: string, maxAge: number): void {
    const secure = this.secure ? '; Secure' : '';
    void reply.header(
      'set-cookie',
      `${FLOW_COOKIE}=${value}; Path=/api/auth/oidc/${provider}/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`,
    );
  }
}
