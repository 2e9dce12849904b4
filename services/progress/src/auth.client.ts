import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { internalBody, type InternalFetch } from '@lectern/kit';
import { progressErrors } from './progress.errors.js';

const emailsSchema = Type.Array(Type.Object({ id: Type.Integer(), email: Type.String() }));

/** E-mails live in auth: asked for by id, a page of a roster at a time, never read from auth's tables. */
export class AuthClient {
  constructor(private readonly fetchAuth: InternalFetch) {}

  async emailsOf(userIds: readonly number[]): Promise<Map<number, string>> {
    if (userIds.length === 0) return new Map();
    const path = '/internal/auth/users/lookup';
    let response;
    try {
      response = await this.fetchAuth(path, { method: 'POST', body: { ids: [...new Set(userIds)] } });
    } catch (error) {
      throw progressErrors.authUnavailable(error);
    }
    const body = internalBody(response.body);
    if (response.status !== 200 || !Value.Check(emailsSchema, body)) {
      throw progressErrors.authUnavailable(new Error(`POST ${path} answered ${response.status}`));
    }
    return new Map(body.map((user) => [user.id, user.email]));
  }
}
