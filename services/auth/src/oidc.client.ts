import * as oidc from 'openid-client';
import { authErrors } from './auth.errors.js';
import type { OidcProviderSettings } from './oidc-providers.config.js';

/** What the browser must bring back to the callback: kept in the signed flow cookie, never at the provider. */
export interface LoginChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The claims a sign-in needs, from the ID token (and the userinfo endpoint when the token lacks the e-mail). */
export interface ProviderClaims {
  subject: string;
  email: string | undefined;
  emailVerified: boolean;
}

/** Seconds one request to a provider may take before the sign-in answers 503. */
const PROVIDER_TIMEOUT_SECONDS = 5;

/**
 * One configured provider through openid-client: discovery on first use (so a provider that is down at boot
 * only fails its own sign-ins), the authorization-code flow with PKCE (S256), state and nonce.
 */
export class OidcClient {
  private configuration: Promise<oidc.Configuration> | undefined;

  constructor(
    readonly settings: OidcProviderSettings,
    private readonly redirectUri: string,
  ) {}

  /** The provider's authorization URL and the checks the callback will compare against. */
  async startLogin(): Promise<{ url: URL; checks: LoginChecks }> {
    const configuration = await this.discover();
    const checks: LoginChecks = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
    };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: this.settings.scope,
      response_type: 'code',
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
      state: checks.state,
      nonce: checks.nonce,
    });
    return { url, checks };
  }

  /**
   * Redeems the code of the callback URL: the state must match, the ID token's nonce must match and its
   * signature, issuer, audience and times must check out; the provider refuses a code used before.
   */
  async finishLogin(callbackUrl: URL, checks: LoginChecks): Promise<ProviderClaims> {
    const configuration = await this.discover();
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      const idToken = tokens.claims();
      if (idToken === undefined) throw authErrors.ssoFailed('The provider sent no ID token.');
      let email = idToken.email;
      let verified = idToken.email_verified;
      if (typeof email !== 'string' && configuration.serverMetadata().userinfo_endpoint !== undefined) {
        const userInfo = await oidc.fetchUserInfo(configuration, tokens.access_token, idToken.sub);
        email = userInfo.email;
        verified = userInfo.email_verified;
      }
      return {
        subject: idToken.sub,
        email: typeof email === 'string' ? email : undefined,
        emailVerified: verified === true,
      };
    } catch (error) {
      throw this.translate(error);
    }
  }

  private discover(): Promise<oidc.Configuration> {
    this.configuration ??= this.fetchConfiguration().catch((error: unknown) => {
      // Not cached: the next sign-in tries the provider again.
      this.configuration = undefined;
      throw error;
    });
    return this.configuration;
  }

  private async fetchConfiguration(): Promise<oidc.Configuration> {
    const { issuer, clientId, clientSecret } = this.settings;
    // Plain HTTP only reaches here outside production (loadOidcProviders refuses it there): tests, a laptop.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    const execute = issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [];
    try {
      const configuration = await oidc.discovery(
        issuer,
        clientId,
        clientSecret,
        clientSecret === undefined ? oidc.None() : oidc.ClientSecretBasic(clientSecret),
        { execute, timeout: PROVIDER_TIMEOUT_SECONDS },
      );
      configuration.timeout = PROVIDER_TIMEOUT_SECONDS;
      return configuration;
    } catch (error) {
      throw authErrors.ssoProviderUnavailable(this.settings.name, error);
    }
  }

  /** openid-client's failures as answers: the provider unreachable is a 503, anything it or the browser got wrong a 400. */
  private translate(error: unknown): unknown {
    if (error instanceof oidc.AuthorizationResponseError) {
      return authErrors.ssoProviderError(error.error, error.error_description);
    }
    if (unreachable(error)) {
      return authErrors.ssoProviderUnavailable(this.settings.name, error);
    }
    if (error instanceof oidc.ResponseBodyError) {
      return authErrors.ssoFailed(`The provider refused the sign-in (${error.error}).`, error);
    }
    if (error instanceof oidc.ClientError) {
      return authErrors.ssoFailed('The provider’s answer did not check out.', error);
    }
    return error;
  }
}

/** fetch could not reach the provider, or it did not answer in time. */
function unreachable(error: unknown): boolean {
  if (error instanceof TypeError) return error.message === 'fetch failed';
  return error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError');
}
