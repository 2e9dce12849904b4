export {
  loadSigningKeys,
  type PublishedJwk,
  type SigningKeys,
  type SigningKeysOptions,
  type SigningKeysSource,
} from './signing-keys.js';
