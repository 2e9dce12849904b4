import { problemSchema, roles, type Role } from '@lectern/kit';
import { Type } from '@sinclair/typebox';

/** Every route documents its error answers with the one problem shape. */
export const problemResponses = { '4xx': problemSchema, '5xx': problemSchema } as const;

export const RoleName = Type.Unsafe<Role>({
  type: 'string',
  enum: [...roles],
  description: roles.join(', '),
});

export const Email = Type.String({
  minLength: 1,
  maxLength: 320,
  description: 'trimmed and compared case-insensitively; at most 254 characters',
  examples: ['ada@example.com'],
});

export const Credentials = Type.Object(
  {
    email: Email,
    password: Type.String({
      minLength: 1,
      maxLength: 1024,
      description: 'any Unicode, 8 to 128 characters after NFC normalization',
    }),
  },
  { additionalProperties: false },
);

export const LocaleName = Type.Union([Type.Literal('en'), Type.Literal('ru')], {
  description: "the language of the account's mail: the web app's language",
});

export const Registration = Type.Object(
  {
    email: Credentials.properties.email,
    password: Credentials.properties.password,
    locale: Type.Optional(LocaleName),
  },
  { additionalProperties: false },
);

export const RefreshTokenBody = Type.Object(
  {
    refresh_token: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 512,
        description: 'from login or the last refresh; omitted when it travels in the lectern_refresh cookie',
      }),
    ),
  },
  { additionalProperties: false },
);

export const TokenPair = Type.Object({
  access_token: Type.String({ description: 'JWT (EdDSA), sent as "Authorization: Bearer <token>"' }),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer({ description: "the access token's lifetime in seconds" }),
  refresh_token: Type.Optional(
    Type.String({
      description:
        'single use: each refresh answers a new one; absent in cookie mode (X-Refresh-Token-Mode: cookie), where it is the HttpOnly lectern_refresh cookie',
    }),
  ),
});

export const RegisteredUser = Type.Object({
  id: Type.Integer(),
  email: Type.String(),
  role: RoleName,
});

export const Account = Type.Object({
  id: Type.Integer(),
  email: Type.String(),
  role: RoleName,
  email_verified: Type.Boolean({ description: 'the owner followed a link mailed to this address' }),
  locale: LocaleName,
  created_at: Type.String({ format: 'date-time' }),
});

export const UsersQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    offset: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 }),
    q: Type.Optional(
      Type.String({ maxLength: 254, description: 'only accounts whose email contains this, in any case' }),
    ),
  },
  { additionalProperties: false },
);

export const UserParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });

export const RoleChange = Type.Object({ role: RoleName }, { additionalProperties: false });

export const Jwks = Type.Object({
  keys: Type.Array(
    Type.Object({
      kty: Type.String(),
      crv: Type.String(),
      x: Type.String(),
      y: Type.Optional(Type.String()),
      kid: Type.String(),
      alg: Type.String(),
      use: Type.String(),
    }),
  ),
});

export const ForgotPasswordBody = Type.Object({ email: Email }, { additionalProperties: false });

const MailToken = Type.String({
  minLength: 1,
  maxLength: 512,
  description: 'the token from the mailed link',
});

export const ResetPasswordBody = Type.Object(
  {
    token: MailToken,
    password: Type.String({
      minLength: 1,
      maxLength: 1024,
      description: 'the new password: 8 to 128 characters after NFC normalization',
    }),
  },
  { additionalProperties: false },
);

export const VerifyEmailBody = Type.Object({ token: MailToken }, { additionalProperties: false });

export const Accepted = Type.Object({
  status: Type.Literal('accepted'),
  detail: Type.String(),
});
