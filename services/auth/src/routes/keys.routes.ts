import type { AuthKeys } from '../signing-keys.js';
import { Jwks, problemResponses } from './auth.schemas.js';
import type { AuthApp } from './auth-app.js';

export interface KeysRoutesOptions {
  jwks: AuthKeys['jwks'];
}

/** The public keys that verify access tokens; other services fetch and cache them. */
export function keysRoutes(app: AuthApp, { jwks }: KeysRoutesOptions): void {
  app.get(
    '/api/auth/.well-known/jwks.json',
    {
      config: { rateLimit: false },
      schema: {
        tags: ['keys'],
        summary: 'JSON Web Key Set of the access-token signing keys',
        response: { 200: Jwks, ...problemResponses },
      },
    },
    async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(jwks),
  );
}
