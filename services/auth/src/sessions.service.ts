import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AuthUser, SessionStates } from '@lectern/kit';
import type { AccessTokenIssuer } from './access-token.issuer.js';
import { authErrors } from './auth.errors.js';
import { normalizeEmail, normalizePassword } from './credentials.policy.js';
import type { PasswordHasher } from './password.hasher.js';
import type { RefreshTokensRepository } from './refresh-tokens.repository.js';
import type { Executor, UserRecord, UsersRepository } from './users.repository.js';

export interface TokenPair {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  refresh_token: string;
}

/** Security events worth an operator's attention; the plugin passes its logger. */
export interface SecurityLog {
  warn(details: Record<string, unknown>, message: string): void;
}

/** 256 random bits, base64url: 43 characters. */
const refreshTokenPattern = /^[A-Za-z0-9_-]{43}$/;

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export interface SessionsServiceOptions {
  users: UsersRepository;
  refreshTokens: RefreshTokensRepository;
  hasher: PasswordHasher;
  accessTokens: AccessTokenIssuer;
  refreshTtlSeconds: number;
  /** The shared cache of users' session states, which writes and admin routes of every service check. */
  states: SessionStates;
  log: SecurityLog;
}

export class SessionsService {
  constructor(private readonly options: SessionsServiceOptions) {}

  /**
   * Email and password in, a token pair out. An unknown email is verified against a dummy hash, so it takes
   * as long as a wrong password and gets the same 401.
   */
  async login(input: { email: string; password: string }): Promise<TokenPair> {
    const { users, hasher } = this.options;
    const email = normalizeEmail(input.email);
    const password = normalizePassword(input.password, { enforceMinimum: false });
    const user = await hasher.admit(async () => {
      const found = await users.findByEmail(email);
      // No hash (an account made by single sign-on) is checked against the dummy: the same answer, the same time.
      const matches = await hasher.verify(found?.passwordHash ?? undefined, password);
      return matches ? found : undefined;
    });
    if (!user?.passwordHash) throw authErrors.invalidCredentials();
    if (hasher.needsRehash(user.passwordHash)) await this.rehash(user, password);
    return this.startFamily(user);
  }

  /**
   * Rotates a refresh token: the presented one is used up and its successor joins the same family. A token
   * that was already used means two parties hold copies, so the whole family is revoked and both must sign in.
   * The role comes from the database, so a role change is in the next access token.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const { users, refreshTokens } = this.options;
    if (!refreshTokenPattern.test(refreshToken)) throw authErrors.invalidRefreshToken();
    const tokenHash = hashRefreshToken(refreshToken);
    const issued = await users.transaction(async (tx) => {
      const claimed = await refreshTokens.claim(tokenHash, tx);
      if (!claimed) return undefined;
      const user = await users.findById(claimed.userId, tx);
      if (!user) return undefined;
      const successor = newRefreshToken();
      await refreshTokens.insert(
        {
          tokenHash: hashRefreshToken(successor),
          familyId: claimed.familyId,
          userId: user.id,
          expiresAt: this.expiry(),
        },
        tx,
      );
      return { user, successor };
    });
    if (!issued) {
      await this.revokeIfReused(tokenHash);
      throw authErrors.invalidRefreshToken();
    }
    return this.pair(issued.user, issued.successor);
  }

  /** Ends the session the refresh token belongs to (its whole family). Unknown tokens are ignored. */
  async logout(refreshToken: string): Promise<void> {
    const { refreshTokens } = this.options;
    if (!refreshTokenPattern.test(refreshToken)) return;
    const stored = await refreshTokens.find(hashRefreshToken(refreshToken));
    if (stored && !stored.revokedAt) await refreshTokens.revokeFamily(stored.familyId);
  }

  /**
   * Ends every session of the user: all refresh token families are revoked and every access token issued so
   * far stops counting on writes and admin routes (the session version moves on). For a role change, a
   * password change or reset, an account lock. The user signs in again.
   */
  async endAllSessions(userId: number): Promise<void> {
    await this.options.users.transaction((tx) => this.endAllSessionsIn(tx, userId));
    await this.sessionsEnded(userId);
  }

  /**
   * endAllSessions as part of the caller's transaction (e.g. beside the role change that causes it); call
   * sessionsEnded once it has committed.
   */
  async endAllSessionsIn(tx: Executor, userId: number): Promise<void> {
    await this.options.users.bumpSessionVersion(userId, tx);
    await this.options.refreshTokens.revokeAllOfUser(userId, tx);
  }

  /** Tells every replica (through the shared cache) that the user's session state changed. */
  sessionsEnded(userId: number): Promise<void> {
    return this.options.states.invalidate(userId);
  }

  private async revokeIfReused(tokenHash: string): Promise<void> {
    const { refreshTokens, log } = this.options;
    const stored = await refreshTokens.find(tokenHash);
    if (!stored?.usedAt || stored.revokedAt) return;
    const revoked = await refreshTokens.revokeFamily(stored.familyId);
    log.warn(
      { event: 'refresh_token_reuse', user_id: stored.userId, family_id: stored.familyId, revoked },
      'a rotated refresh token was presented again: its family is revoked',
    );
  }

  /** A new session for a user whose identity was proven some other way (single sign-on). */
  startSession(user: UserRecord): Promise<TokenPair> {
    return this.startFamily(user);
  }

  private async startFamily(user: UserRecord): Promise<TokenPair> {
    const refreshToken = newRefreshToken();
    await this.options.refreshTokens.insert({
      tokenHash: hashRefreshToken(refreshToken),
      familyId: randomUUID(),
      userId: user.id,
      expiresAt: this.expiry(),
    });
    return this.pair(user, refreshToken);
  }

  private async pair(user: UserRecord, refreshToken: string): Promise<TokenPair> {
    const { accessTokens } = this.options;
    const claims: AuthUser = {
      id: user.id,
      email: user.email,
      role: user.role,
      sessionVersion: user.sessionVersion,
    };
    return {
      access_token: await accessTokens.sign(claims),
      token_type: 'bearer',
      expires_in: accessTokens.ttlSeconds,
      refresh_token: refreshToken,
    };
  }

  /** Parameters changed since this hash was made: store a fresh one now that the password is known. */
  private async rehash(user: UserRecord, password: string): Promise<void> {
    try {
      await this.options.users.setPasswordHash(user.id, await this.options.hasher.hash(password));
    } catch {
      // Busy or failing: the old hash still works, and the next login tries again.
    }
  }

  private expiry(): Date {
    return new Date(Date.now() + this.options.refreshTtlSeconds * 1000);
  }
}

export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}
