/** SQLSTATEs and socket errors meaning "the database cannot serve this now", as opposed to a bad query. */
const unavailableCodes = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '57014', // query_canceled, which statement_timeout raises
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** pg and pg-pool raise these as plain Errors without a code. */
const unavailableMessages = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Client has encountered a connection error',
  'Query read timeout',
  // A request still running while the process shuts down and its pool has closed.
  'Cannot use a pool after calling end',
];

/**
 * Errors raised while a connection was being opened. Whatever the server said (55000 "not accepting
 * connections", 3D000 no such database, 28P01 during a password rotation, 53300 too many connections…), the
 * statement never ran: the database is unavailable to this process, never a fault of the request.
 */
const connectionFailures = new WeakSet<object>();

/** Called by the pool's client when connecting fails; see connectionFailures. */
export function markConnectionFailure(error: unknown): void {
  if (isRecord(error)) connectionFailures.add(error);
}

/** Class 08: connection exceptions. */
const connectionExceptionClass = /^08[0-9A-Z]{3}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isUnavailable(error: Record<string, unknown>): boolean {
  if (connectionFailures.has(error)) return true;
  const { code, message } = error;
  if (typeof code === 'string' && (unavailableCodes.has(code) || connectionExceptionClass.test(code))) {
    return true;
  }
  return typeof message === 'string' && unavailableMessages.some((text) => message.includes(text));
}

/**
 * True when the error says this process lost or could not open its connection: what the dependency monitor
 * calls "down". A statement cancelled for running too long (57014) is not: the database answered.
 */
export function isConnectionLost(error: unknown): boolean {
  return isDatabaseUnavailable(error) && !(isRecord(error) && error.code === '57014');
}

/**
 * True when the error says the database is unreachable, overloaded or too slow (a 503), rather than that the
 * query was wrong: any failure to get a connection, and the listed codes of a statement cut short. Looks through `cause` (drizzle wraps driver errors, pg-pool wraps connect timeouts) and
 * AggregateError's `errors` (Node reports one per address it tried).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const pending: unknown[] = [error];
  const seen = new Set<unknown>();
  while (pending.length > 0) {
    const current = pending.pop();
    if (!isRecord(current) || seen.has(current)) continue;
    seen.add(current);
    if (isUnavailable(current)) return true;
    pending.push(current.cause);
    if (Array.isArray(current.errors)) pending.push(...(current.errors as unknown[]));
  }
  return false;
}
