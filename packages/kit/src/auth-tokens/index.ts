export * from './auth-tokens.js';
