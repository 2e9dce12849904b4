/**
 * An ILIKE pattern matching `text` anywhere: `%`, `_` and `\` in what a user typed are literal characters, not
 * wildcards (PostgreSQL's default LIKE escape is the backslash).
 */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}
