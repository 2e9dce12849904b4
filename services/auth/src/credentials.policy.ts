import { authErrors } from './auth.errors.js';

export const EMAIL_MAX_LENGTH = 254;
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/**
 * Local part, "@", then a domain of dot-separated labels. Quoted local parts and the characters that need them
 * (spaces, controls, <>()[]\,;:") are refused: nobody signs up with them, and they are what markup injection needs.
 */
const emailPattern =
  /^[^\s\p{Cc}@<>()[\]\\,;:"]{1,64}@(?:[^\s\p{Cc}@<>()[\]\\,;:".]+\.)+[^\s\p{Cc}@<>()[\]\\,;:".]{2,}$/u;

/**
 * Characters a reader cannot see or that reorder what they see: controls, format characters (zero-width
 * spaces and joiners, bidirectional overrides and isolates, soft hyphens), default-ignorables (variation
 * selectors), private-use, unassigned and line/paragraph separators. Two addresses differing only in these
 * look identical, so none of them is allowed in an address.
 */
const hiddenCharacters = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Cn}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;

/**
 * The one spelling of an address: trimmed, NFKC, case-folded (upper then lower, so ß and ss or ſ and s agree),
 * NFKC again. Stored that way, so the unique index compares the normalized form (a fullwidth ａdmin is admin)
 * and every lookup (login, rate-limit key, admin bootstrap) agrees.
 */
export function canonicalEmail(raw: string): string {
  return raw.trim().normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

/** The canonical address, or a 422 naming body.email. */
export function normalizeEmail(raw: string): string {
  if (hiddenCharacters.test(raw.trim())) {
    throw authErrors.invalidEmail('must not contain invisible or bidirectional control characters');
  }
  const email = canonicalEmail(raw);
  if (characterCount(email) > EMAIL_MAX_LENGTH) {
    throw authErrors.invalidEmail(`must be at most ${EMAIL_MAX_LENGTH} characters`);
  }
  if (!emailPattern.test(email)) throw authErrors.invalidEmail('must be an email address');
  return email;
}

/**
 * Any Unicode, compared in NFC so the same password typed on two keyboards matches; lengths count characters
 * (code points) after normalization.
 */
export function normalizePassword(raw: string, options: { enforceMinimum: boolean }): string {
  const password = raw.normalize('NFC');
  const length = characterCount(password);
  if (length > PASSWORD_MAX_LENGTH) {
    throw authErrors.invalidPassword(`must be at most ${PASSWORD_MAX_LENGTH} characters`);
  }
  if (options.enforceMinimum && length < PASSWORD_MIN_LENGTH) {
    throw authErrors.invalidPassword(`must be at least ${PASSWORD_MIN_LENGTH} characters`);
  }
  return password;
}

/** Characters as Unicode code points: what password rules (NIST SP 800-63B) and the email limit count. */
function characterCount(text: string): number {
  return Array.from(text).length;
}
