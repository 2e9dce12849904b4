import type { PGlite, QueryOptions, Transaction } from '@electric-sql/pglite';
import { Client, type ClientConfig } from 'pg';
import { dbQueriesTotal, dbQueryDuration } from '../metrics/metrics.js';
import { isConnectionLost, markConnectionFailure } from './database-errors.js';

/** Told when a connection opens (true) or is refused or lost (false); see DatabaseOptions.onAvailabilityChange. */
export type AvailabilityListener = (up: boolean, error?: unknown) => void;

/** The pool hands its whole config to each client it creates; this key carries the listener along. */
export const availabilityOption = 'lecternAvailability';

function availabilityOf(client: Client): AvailabilityListener | undefined {
  return client instanceof InstrumentedClient ? client.availability : undefined;
}

export type QueryOperation = 'select' | 'insert' | 'update' | 'delete' | 'other';

/** Which connection pool ran a query: the `pool` label. PGlite is always the primary. */
export type PoolName = 'primary' | 'replica';

function isOperation(word: string): word is Exclude<QueryOperation, 'other'> {
  return word === 'select' || word === 'insert' || word === 'update' || word === 'delete';
}

/**
 * The statement's lower-cased keywords outside parentheses, quotes and comments, so that the main statement
 * after a `WITH` list can be found. The first keyword is yielded even inside parentheses (`(select …) union …`).
 */
function* topLevelWords(text: string): Generator<string> {
  let depth = 0;
  let yielded = false;
  let i = 0;
  while (i < text.length) {
    const char = text.charAt(i);
    if (char === '-' && text.startsWith('--', i)) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end + 1;
    } else if (char === '/' && text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 2;
    } else if (char === "'" || char === '"') {
      const end = text.indexOf(char, i + 1);
      i = end === -1 ? text.length : end + 1;
    } else if (char === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(text.slice(i, i + 64))?.[0];
      if (tag === undefined) {
        i += 1;
      } else {
        const end = text.indexOf(tag, i + tag.length);
        i = end === -1 ? text.length : end + tag.length;
      }
    } else if (char === '(') {
      depth += 1;
      i += 1;
    } else if (char === ')') {
      depth = Math.max(0, depth - 1);
      i += 1;
    } else if (/[A-Za-z_]/.test(char)) {
      const word = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(text.slice(i, i + 64))?.[0] ?? char;
      if (depth === 0 || !yielded) {
        yielded = true;
        yield word.toLowerCase();
      }
      i += word.length;
    } else {
      i += 1;
    }
  }
}

/** The `operation` label: the statement's first keyword, or for `WITH … <statement>` the main statement's. */
export function queryOperation(text: string): QueryOperation {
  const words = topLevelWords(text);
  const first = words.next();
  if (first.done === true) return 'other';
  if (first.value === 'with') {
    for (const word of words) if (isOperation(word)) return word;
    return 'other';
  }
  return isOperation(first.value) ? first.value : 'other';
}

/** Starts timing one query; the returned function records it once, whether it succeeded or failed. */
function startQuery(text: string, pool: PoolName): () => void {
  const labels = { operation: queryOperation(text), pool };
  const stopTimer = dbQueryDuration.startTimer(labels);
  let recorded = false;
  return () => {
    if (recorded) return;
    recorded = true;
    stopTimer();
    dbQueriesTotal.inc(labels);
  };
}

async function timeQuery<T>(text: string, run: () => Promise<T>): Promise<T> {
  const finish = startQuery(text, 'primary');
  try {
    return await run();
  } finally {
    finish();
  }
}

type QueryCallback = (error: Error | null, result?: unknown) => void;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isSubmittable(config: unknown): boolean {
  return isObject(config) && typeof config.submit === 'function';
}

function queryText(config: unknown): string {
  if (typeof config === 'string') return config;
  return isObject(config) && typeof config.text === 'string' ? config.text : '';
}

/** pg's `Client.query` has eight typed overloads; one implementation sees them all as untyped arguments. */
type UntypedQuery = (this: Client, config: unknown, values?: unknown, callback?: unknown) => unknown;
// eslint-disable-next-line @typescript-eslint/unbound-method -- always invoked with .call(this, …)
const clientQuery = Client.prototype.query as unknown as UntypedQuery;

function instrumentedQuery(this: Client, config: unknown, values?: unknown, callback?: unknown): unknown {
  // Cursors and streams (Submittable) report rows through their own events, so they pass through untimed.
  if (isSubmittable(config)) return clientQuery.call(this, config, values, callback);

  const finish = startQuery(queryText(config), (this.constructor as typeof InstrumentedClient).pool);
  const reportLost = (error: unknown) => {
    if (isConnectionLost(error)) availabilityOf(this)?.(false, error);
  };
  const withFinish =
    (done: QueryCallback): QueryCallback =>
    (error, result) => {
      finish();
      if (error) reportLost(error);
      done(error, result);
    };

  if (typeof values === 'function') {
    return clientQuery.call(this, config, withFinish(values as QueryCallback));
  }
  if (typeof callback === 'function') {
    return clientQuery.call(this, config, values, withFinish(callback as QueryCallback));
  }
  if (isObject(config) && typeof config.callback === 'function') {
    const callbackConfig = { ...config, callback: withFinish(config.callback as QueryCallback) };
    return clientQuery.call(this, callbackConfig, values);
  }
  return (clientQuery.call(this, config, values) as Promise<unknown>).then(
    (result) => {
      finish();
      return result;
    },
    (error: unknown) => {
      finish();
      reportLost(error);
      throw error;
    },
  );
}

/**
 * The pool's client class. Every query, including those drizzle runs on a checked-out client inside a
 * transaction, is counted and timed, since they all go through `Client.query`.
 */
export class InstrumentedClient extends Client {
  static readonly pool: PoolName = 'primary';
  readonly availability: AvailabilityListener | undefined;

  constructor(config?: string | ClientConfig) {
    super(config);
    const listener: unknown =
      typeof config === 'object' ? (config as Record<string, unknown>)[availabilityOption] : undefined;
    this.availability = typeof listener === 'function' ? (listener as AvailabilityListener) : undefined;
    // A socket error on a checked-out client (e.g. the server restarts mid-transaction) is emitted on the client,
    // and an EventEmitter without an 'error' listener crashes the process. The error also fails the query in
    // flight, and the client stops being queryable, so pg-pool evicts it on release: nothing is lost here.
    this.on('error', ignoreError);
  }
}
InstrumentedClient.prototype.query = instrumentedQuery as unknown as Client['query'];

type ConnectCallback = (error: Error | null) => void;
// eslint-disable-next-line @typescript-eslint/unbound-method -- always invoked with .call(this, …)
const clientConnect = Client.prototype.connect as unknown as (
  this: Client,
  callback?: ConnectCallback,
) => unknown;

/** Marks every error of opening the connection (pg-pool passes a callback; a bare client awaits the promise). */
function connectMarkingFailures(this: Client, callback?: ConnectCallback): unknown {
  const availability = availabilityOf(this);
  if (callback) {
    return clientConnect.call(this, (error) => {
      if (error) markConnectionFailure(error);
      availability?.(!error, error ?? undefined);
      callback(error);
    });
  }
  return (clientConnect.call(this) as Promise<void>).then(
    () => availability?.(true),
    (error: unknown) => {
      markConnectionFailure(error);
      availability?.(false, error);
      throw error;
    },
  );
}
InstrumentedClient.prototype.connect = connectMarkingFailures as unknown as Client['connect'];

/** The read replica pool's client class: the same instrumentation, labelled `pool="replica"`. */
export class ReplicaClient extends InstrumentedClient {
  static override readonly pool: PoolName = 'replica';
}

function ignoreError(): void {
  // See InstrumentedClient's constructor.
}

/**
 * Counts and times every query run through the PGlite instance or one of its transactions, and returns how
 * many queries are in flight (PGlite is one connection, so this stands in for connections in use).
 */
export function instrumentPglite(pglite: PGlite): () => number {
  let inFlight = 0;
  const track = async <T>(text: string, run: () => Promise<T>): Promise<T> => {
    inFlight += 1;
    try {
      return await timeQuery(text, run);
    } finally {
      inFlight -= 1;
    }
  };

  const query = pglite.query.bind(pglite);
  const exec = pglite.exec.bind(pglite);
  const transaction = pglite.transaction.bind(pglite);
  // `sql` and `describeQuery` go through `this.query`, so they are covered by the first wrapper.
  pglite.query = <T>(text: string, params?: unknown[], options?: QueryOptions) =>
    track(text, () => query<T>(text, params, options));
  pglite.exec = (text: string, options?: QueryOptions) => track(text, () => exec(text, options));
  pglite.transaction = <T>(callback: (tx: Transaction) => Promise<T>) =>
    transaction((tx) => callback(instrumentTransaction(tx, track)));

  return () => inFlight;
}

type Track = <T>(text: string, run: () => Promise<T>) => Promise<T>;

function instrumentTransaction(tx: Transaction, track: Track): Transaction {
  const query = tx.query.bind(tx);
  const exec = tx.exec.bind(tx);
  const sql = tx.sql.bind(tx);
  tx.query = <T>(text: string, params?: unknown[], options?: QueryOptions) =>
    track(text, () => query<T>(text, params, options));
  tx.exec = (text: string, options?: QueryOptions) => track(text, () => exec(text, options));
  tx.sql = <T>(strings: TemplateStringsArray, ...params: unknown[]) =>
    track(strings.join(' '), () => sql<T>(strings, ...params));
  return tx;
}
