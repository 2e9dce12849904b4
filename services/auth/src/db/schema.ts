import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  pgSchema,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

export const authSchema = pgSchema('auth');

export const users = authSchema.table(
  'users',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /**
     * Trimmed, NFKC and case-folded by the service (credentials.policy.ts), so the unique index compares the
     * normalized form: a fullwidth or upper-case look-alike cannot become a second account.
     */
    email: text('email').notNull(),
    /** Null for an account made by single sign-on: no password can match it until one is set by a reset. */
    passwordHash: text('password_hash'),
    role: text('role', { enum: ['student', 'instructor', 'admin'] })
      .notNull()
      .default('student'),
    /** Set when the user followed a verification link (or a reset link, or signed in through a provider that vouches). */
    emailVerifiedAt: timestamp('email_verified_at', { withTimezone: true, mode: 'date' }),
    /** The language mail is written in: the web app's language when the account was made. */
    locale: text('locale', { enum: ['en', 'ru'] })
      .notNull()
      .default('en'),
    /**
     * Bumped whenever the user's sessions must end (role change, password change or reset). Access tokens carry
     * the version they were issued under; writes and admin routes refuse a token from an older one.
     */
    sessionVersion: integer('session_version').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('users_email_key').on(table.email),
    check('users_locale_check', sql`${table.locale} in ('en', 'ru')`),
    index('users_admins_idx')
      .on(table.id)
      .where(sql`${table.role} = 'admin'`),
    check('users_role_check', sql`${table.role} in ('student', 'instructor', 'admin')`),
  ],
);

/**
 * Refresh tokens, stored only as SHA-256 hashes. Each login starts a family; every refresh marks the presented
 * token used and adds its successor to the family, so a used token coming back reveals a copy and revokes all.
 */
export const refreshTokens = authSchema.table(
  'refresh_tokens',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    tokenHash: text('token_hash').notNull(),
    familyId: uuid('family_id').notNull(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [
    uniqueIndex('refresh_tokens_token_hash_key').on(table.tokenHash),
    index('refresh_tokens_family_id_idx').on(table.familyId),
    index('refresh_tokens_user_id_idx').on(table.userId),
    index('refresh_tokens_expires_at_idx').on(table.expiresAt),
  ],
);

/**
 * Single-use tokens sent by mail (password reset, e-mail verification), stored only as SHA-256 hashes. A token is
 * spent by setting used_at; rows also count how often an address was mailed.
 */
export const oneTimeTokens = authSchema.table(
  'one_time_tokens',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    tokenHash: text('token_hash').notNull(),
    purpose: text('purpose', { enum: ['password_reset', 'email_verification'] }).notNull(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [
    uniqueIndex('one_time_tokens_token_hash_key').on(table.tokenHash),
    index('one_time_tokens_user_id_created_at_idx').on(table.userId, table.createdAt),
    check('one_time_tokens_purpose_check', sql`${table.purpose} in ('password_reset', 'email_verification')`),
  ],
);

/** Accounts at OpenID Connect providers, linked to users: the provider's name and its stable subject. */
export const identities = authSchema.table(
  'identities',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    provider: text('provider').notNull(),
    subject: text('subject').notNull(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('identities_provider_subject_key').on(table.provider, table.subject),
    index('identities_user_id_idx').on(table.userId),
  ],
);
