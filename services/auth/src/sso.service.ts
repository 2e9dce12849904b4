import { AppError } from '@lectern/kit';
import { authErrors } from './auth.errors.js';
import { normalizeEmail } from './credentials.policy.js';
import type { IdentitiesRepository } from './identities.repository.js';
import type { LoginChecks, OidcClient, ProviderClaims } from './oidc.client.js';
import type { SecurityLog, SessionsService, TokenPair } from './sessions.service.js';
import type { Locale, UserRecord, UsersRepository } from './users.repository.js';

export interface SsoServiceOptions {
  clients: readonly OidcClient[];
  users: UsersRepository;
  identities: IdentitiesRepository;
  sessions: SessionsService;
  log: SecurityLog & { info(details: Record<string, unknown>, message: string): void };
}

export interface SsoProvider {
  id: string;
  name: string;
}

/** How the account of a sign-in was found. */
type Outcome = 'returning' | 'linked' | 'created';

/** Two callbacks racing to make the same account: the loser looks again and finds the winner's rows. */
const LINK_ATTEMPTS = 3;

/** Rolls back a link that lost a race, so nothing half-made is committed. */
class LostRace extends Error {}

/**
 * Single sign-on through OpenID Connect providers. A provider's (issuer's) subject is the identity: once linked it
 * signs in to the same account whatever e-mail the provider reports later. A first sign-in links the account
 * holding the provider's e-mail, or makes a student account without a password, and only when the provider says
 * the address is verified: an unverified address could be anyone's, and linking or claiming it would hand that
 * person's account (or, through a later password reset, their future account) to the provider's user.
 */
export class SsoService {
  private readonly clients: ReadonlyMap<string, OidcClient>;

  constructor(private readonly options: SsoServiceOptions) {
    this.clients = new Map(options.clients.map((client) => [client.settings.id, client]));
  }

  providers(): SsoProvider[] {
    return [...this.clients.values()].map(({ settings }) => ({ id: settings.id, name: settings.name }));
  }

  /** The provider's authorization URL and the checks its callback must match; 404 for an unknown provider. */
  startLogin(provider: string): Promise<{ url: URL; checks: LoginChecks }> {
    return this.client(provider).startLogin();
  }

  /** Checks the callback against the flow's checks, finds or makes the account, and starts its session. */
  async finishLogin(
    provider: string,
    callbackUrl: URL,
    checks: LoginChecks,
    locale: Locale,
  ): Promise<TokenPair> {
    const claims = await this.client(provider).finishLogin(callbackUrl, checks);
    const { user, outcome } = await this.accountFor(provider, claims, locale);
    this.options.log.info(
      { event: 'sso_sign_in', provider, user_id: user.id, outcome },
      'signed in through single sign-on',
    );
    return this.options.sessions.startSession(user);
  }

  /** 404 unless `provider` is configured. */
  requireProvider(provider: string): void {
    this.client(provider);
  }

  private client(provider: string): OidcClient {
    const client = this.clients.get(provider);
    if (!client) throw authErrors.ssoProviderNotFound(provider);
    return client;
  }

  private async accountFor(
    provider: string,
    claims: ProviderClaims,
    locale: Locale,
  ): Promise<{ user: UserRecord; outcome: Outcome }> {
    const { users, identities } = this.options;
    for (let attempt = 1; attempt <= LINK_ATTEMPTS; attempt++) {
      const found = await users
        .transaction(async (tx) => {
          const linkedId = await identities.findUserId(provider, claims.subject, tx);
          const linked = linkedId === undefined ? undefined : await users.findById(linkedId, tx);
          if (linked) return { user: linked, outcome: 'returning' as Outcome };
          if (claims.email === undefined) throw authErrors.ssoEmailMissing();
          if (!claims.emailVerified) throw authErrors.ssoEmailUnverified();
          const email = providerEmail(claims.email);
          const existing = await users.findByEmail(email, tx);
          const user =
            existing ??
            (await users.insert(
              { email, passwordHash: null, role: 'student', locale, emailVerifiedAt: new Date() },
              tx,
            ));
          if (!user) throw new LostRace();
          if (!(await identities.link({ provider, subject: claims.subject, userId: user.id }, tx))) {
            throw new LostRace();
          }
          if (existing && existing.emailVerifiedAt === null) await users.markEmailVerified(existing.id, tx);
          return { user, outcome: (existing ? 'linked' : 'created') as Outcome };
        })
        .catch((error: unknown) => {
          if (error instanceof LostRace) return undefined;
          throw error;
        });
      if (found) return found;
    }
    throw new Error(`could not link ${provider} subject after ${LINK_ATTEMPTS} attempts`);
  }
}

/** The provider's address, normalized as sign-up does; one sign-up would refuse is refused here too. */
function providerEmail(raw: string): string {
  try {
    return normalizeEmail(raw);
  } catch (error) {
    if (error instanceof AppError) {
      throw authErrors.ssoFailed('The provider sent an e-mail address Lectern cannot use.');
    }
    throw error;
  }
}
