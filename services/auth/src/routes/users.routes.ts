import { bearerSecurity, requireCurrentRole, type SessionStates } from '@lectern/kit';
import { Type } from '@sinclair/typebox';
import type { UsersService } from '../users.service.js';
import { Account, problemResponses, RoleChange, UserParams, UsersQuery } from './auth.schemas.js';
import type { AuthApp } from './auth-app.js';
import { strictBody } from './strict-body.js';

export interface UsersRoutesOptions {
  users: UsersService;
  states: SessionStates;
}

/** Account administration: admins only. */
export function usersRoutes(app: AuthApp, { users, states }: UsersRoutesOptions): void {
  // In onRequest, so strangers learn 401/403 before anything about the body. The role is the current one, not
  // the token's: a demoted admin's token stops working here at once.
  const adminOnly = requireCurrentRole(states, 'admin');

  app.get(
    '/api/auth/users',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['users'],
        summary:
          'List accounts by id, optionally by part of the email; the total is in X-Total-Count, the next page in Link',
        security: bearerSecurity,
        querystring: UsersQuery,
        response: { 200: Type.Array(Account), ...problemResponses },
      },
    },
    async (request, reply) => {
      const { limit, offset } = request.query;
      const search = request.query.q?.trim() ?? '';
      const emailContains = search === '' ? undefined : search;
      const { accounts, total } = await users.page({ limit, offset, emailContains });
      void reply.header('x-total-count', total).header('cache-control', 'no-store');
      if (offset + limit < total) {
        const next = new URLSearchParams({ limit: String(limit), offset: String(offset + limit) });
        if (emailContains !== undefined) next.set('q', emailContains);
        void reply.header('link', `</api/auth/users?${next.toString()}>; rel="next"`);
      }
      return accounts;
    },
  );

  app.patch(
    '/api/auth/users/:id',
    {
      onRequest: adminOnly,
      preValidation: strictBody(RoleChange),
      schema: {
        tags: ['users'],
        summary: "Change an account's role; the user's sessions end (they sign in again under the new role)",
        security: bearerSecurity,
        params: UserParams,
        body: RoleChange,
        response: { 200: Account, ...problemResponses },
      },
    },
    async (request, reply) => {
      const account = await users.changeRole(request.params.id, request.body.role);
      void reply.header('cache-control', 'no-store');
      return account;
    },
  );
}
