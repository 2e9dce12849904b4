import { problemSchema, type LoadSessionState } from '@lectern/kit';
import { Type } from '@sinclair/typebox';
import { authErrors } from '../auth.errors.js';
import type { UsersService } from '../users.service.js';
import { UserParams } from './auth.schemas.js';
import type { AuthApp } from './auth-app.js';

/** Most ids per lookup: a roster page is at most a few hundred learners. */
export const maxLookupIds = 1000;

export interface InternalRoutesOptions {
  /** Straight from the database: the other services cache what this answers. */
  loadSessionState: LoadSessionState;
  users: UsersService;
}

const SessionStateSchema = Type.Object({
  role: Type.String(),
  session_version: Type.Integer(),
});

/**
 * For the other services only (reachable in-process in all-in-one, on the internal network otherwise), out of
 * the public API document: a user's current role and session version, which their writes and admin routes
 * check; and e-mails by id for progress's roster and certificates (never roles or password hashes).
 */
export function internalRoutes(app: AuthApp, { loadSessionState, users }: InternalRoutesOptions): void {
  app.get(
    '/internal/auth/sessions/:id',
    {
      config: { rateLimit: false },
      schema: {
        hide: true,
        params: UserParams,
        response: { 200: SessionStateSchema, 404: problemSchema, 422: problemSchema },
      },
    },
    async (request) => {
      const state = await loadSessionState(request.params.id);
      if (!state) throw authErrors.userNotFound(request.params.id);
      return state;
    },
  );

  app.post(
    '/internal/auth/users/lookup',
    {
      config: { rateLimit: false },
      schema: {
        hide: true,
        body: Type.Object({
          ids: Type.Array(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), {
            maxItems: maxLookupIds,
          }),
        }),
        response: {
          200: Type.Array(Type.Object({ id: Type.Integer(), email: Type.String() })),
          422: problemSchema,
        },
      },
    },
    async (request) => users.emailsOf(request.body.ids),
  );
}
