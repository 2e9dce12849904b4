import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per process: in all-in-one mode the three services share it, and tests that build several
 * apps in one process must not register the same metric twice.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });
// These three are gauges named like counters; Prometheus' linter (promtool check metrics) rejects the names.
for (const misnamed of [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
]) {
  registry.removeSingleMetric(misnamed);
}

const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const httpRequestsTotal = new Counter({
  name: 'http_requests_total',
  help: 'HTTP requests answered, by method, route template and status code',
  labelNames: ['method', 'route', 'status_code'] as const,
  registers: [registry],
});

export const httpRequestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'Time from receiving a request to sending its response, by method and route template',
  labelNames: ['method', 'route'] as const,
  buckets: latencyBuckets,
  registers: [registry],
});

export const cacheHitsTotal = new Counter({
  name: 'cache_hits_total',
  help: 'Cache lookups answered from L1 or L2, by cache name',
  labelNames: ['cache'] as const,
  registers: [registry],
});

export const cacheMissesTotal = new Counter({
  name: 'cache_misses_total',
  help: 'Cache lookups that had to run the loader, by cache name',
  labelNames: ['cache'] as const,
  registers: [registry],
});

export const dbQueriesTotal = new Counter({
  name: 'db_queries_total',
  help: 'Database queries executed, by operation (select, insert, update, delete, other) and pool (primary, replica)',
  labelNames: ['operation', 'pool'] as const,
  registers: [registry],
});

export const dbQueryDuration = new Histogram({
  name: 'db_query_duration_seconds',
  help: 'Database query duration, by operation and pool (primary, replica)',
  labelNames: ['operation', 'pool'] as const,
  buckets: latencyBuckets,
  registers: [registry],
});

export const dbReplicaLagSeconds = new Gauge({
  name: 'db_replica_lag_seconds',
  help: 'Age of the oldest primary WAL the read replica has not replayed yet, as last measured (-1: unreachable)',
  registers: [registry],
});

type ConnectionCounter = () => number;
const connectionCounters = new Set<ConnectionCounter>();

/** Each database handle registers how many of its connections are in use; the gauge sums them at scrape time. */
export function trackActiveConnections(counter: ConnectionCounter): () => void {
  connectionCounters.add(counter);
  return () => connectionCounters.delete(counter);
}

export const activeConnections = new Gauge({
  name: 'active_connections',
  help: 'Database pool connections currently in use',
  registers: [registry],
  collect() {
    let inUse = 0;
    for (const count of connectionCounters) inUse += count();
    this.set(inUse);
  },
});

export const dependencyUp = new Gauge({
  name: 'dependency_up',
  help: 'Whether this process reaches a dependency (1) or has lost it (0), by dependency (postgres, redis)',
  labelNames: ['dependency'] as const,
  registers: [registry],
});
