import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '@lectern/kit';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** A provider's id: its path segment (/api/auth/oidc/:id/…) and the key of its linked identities. */
export const PROVIDER_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,31}$';

const ProviderEntry = Type.Object(
  {
    id: Type.String({ pattern: PROVIDER_ID_PATTERN }),
    name: Type.String({ minLength: 1, maxLength: 60 }),
    issuer: Type.String({ pattern: '^https?://' }),
    client_id: Type.String({ minLength: 1 }),
    client_secret_file: Type.Optional(Type.String({ minLength: 1 })),
    scopes: Type.Optional(Type.Array(Type.String({ pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$' }))),
  },
  { additionalProperties: false },
);
const ProvidersFile = Type.Array(ProviderEntry, { maxItems: 20 });

export interface OidcProviderSettings {
  id: string;
  /** The button's label: "Sign in with <name>". */
  name: string;
  issuer: URL;
  clientId: string;
  /** Undefined for a public client (PKCE only, no client authentication). */
  clientSecret: string | undefined;
  scope: string;
}

type ProviderEntry = Static<typeof ProviderEntry>;

/**
 * The providers of OIDC_PROVIDERS_FILE, checked: a JSON array of {id, name, issuer, client_id,
 * client_secret_file?, scopes?}. Secrets stay in their own files (a relative path is relative to the providers
 * file) and appear in no message. Plain-HTTP issuers only outside production. Throws ConfigError naming the
 * setting and what is wrong.
 */
export async function loadOidcProviders(config: {
  OIDC_PROVIDERS_FILE?: string | undefined;
  NODE_ENV: string;
}): Promise<OidcProviderSettings[]> {
  const path = config.OIDC_PROVIDERS_FILE;
  if (path === undefined) return [];
  const setting = `OIDC_PROVIDERS_FILE=${path}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    const reason = error instanceof SyntaxError ? 'is not valid JSON' : 'cannot be read';
    throw new ConfigError([`${setting} ${reason}: expected a readable JSON file`]);
  }
  const problems = [...Value.Errors(ProvidersFile, parsed)].map(
    (error) => `${setting}: ${error.path || '/'} ${error.message}`,
  );
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);
  const entries = parsed as ProviderEntry[];
  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry.id)) problems.push(`${setting}: provider id "${entry.id}" is listed twice`);
    seen.add(entry.id);
    if (config.NODE_ENV === 'production' && entry.issuer.startsWith('http:')) {
      problems.push(`${setting}: provider "${entry.id}" has a plain-HTTP issuer; production needs https`);
    }
    if (!URL.canParse(entry.issuer))
      problems.push(`${setting}: provider "${entry.id}" has an invalid issuer URL`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Promise.all(
    entries.map(async (entry) => ({
      id: entry.id,
      name: entry.name,
      issuer: new URL(entry.issuer),
      clientId: entry.client_id,
      clientSecret:
        entry.client_secret_file === undefined
          ? undefined
          : await readSecret(resolve(dirname(path), entry.client_secret_file), entry.id),
      scope: [...new Set(['openid', 'email', ...(entry.scopes ?? [])])].join(' '),
    })),
  );
}

async function readSecret(file: string, id: string): Promise<string> {
  let secret: string;
  try {
    secret = (await readFile(file, 'utf8')).trim();
  } catch {
    throw new ConfigError([`OIDC provider "${id}": client_secret_file ${file} cannot be read`]);
  }
  if (secret === '') throw new ConfigError([`OIDC provider "${id}": client_secret_file ${file} is empty`]);
  return secret;
}
