import { invalidCursor } from './courses.errors.js';

/** Opaque to clients: the base64url of the last id on the page. */
export function encodeCursor(lastId: number): string {
  return Buffer.from(String(lastId), 'utf8').toString('base64url');
}

/** The id after which the page starts; a 422 for anything encodeCursor did not produce. */
export function decodeCursor(cursor: string): number {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = /^[1-9][0-9]{0,15}$/.test(decoded) ? Number(decoded) : NaN;
  if (!Number.isSafeInteger(id) || encodeCursor(id) !== cursor) throw invalidCursor();
  return id;
}
