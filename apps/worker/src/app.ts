import { migrateAuth, registerAuthJobs } from '@lectern/auth';
import { migrateProgress, registerProgressJobs } from '@lectern/progress';
import {
  errorHandler,
  health,
  loggerOptions,
  metrics,
  openInfrastructure,
  requestIdFrom,
  requestLogging,
  watchInfrastructure,
  type Infrastructure,
} from '@lectern/kit';
import Fastify, { LogController } from 'fastify';
import type { WorkerConfig } from './config.js';

export interface WorkerOverrides {
  logger?: boolean;
}

/**
 * The job worker (cluster, Swarm): runs the job handlers of every service against the shared queue and answers
 * only health and metrics. It never listens; server.ts does.
 */
export async function buildWorker(config: WorkerConfig, overrides: WorkerOverrides = {}) {
  const app = Fastify({
    logger: overrides.logger === false ? false : loggerOptions(config.LOG_LEVEL, 'worker'),
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    genReqId: requestIdFrom,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    forceCloseConnections: 'idle',
  });
  await app.register(errorHandler);
  await app.register(requestLogging);
  await app.register(metrics);
  await app.register(health, { aliases: [] });

  let infrastructure: Infrastructure | undefined;
  try {
    infrastructure = await openInfrastructure(config, 'worker', { jobs: 'work' });
    const { database, jobs } = infrastructure;
    if (!jobs) throw new Error('the worker opened no job queue');
    // The handlers write to their services' tables: those exist before the first job runs.
    await migrateAuth(database);
    await migrateProgress(database);
    const mailer = await registerAuthJobs(jobs, { config, database, log: app.log });
    await registerProgressJobs(jobs, { database, publicUrl: config.PUBLIC_URL });
    app.log.info(
      { event: 'worker_started', mail: mailer.delivery },
      mailer.delivery === 'smtp'
        ? 'running jobs; mail goes through SMTP_URL'
        : 'running jobs; no SMTP_URL: mail is written to DATA_DIR/mail',
    );
    const opened = infrastructure;
    app.addHook('onClose', async () => {
      await opened.close();
      mailer.close();
    });
  } catch (error) {
    await infrastructure?.close();
    throw error;
  }
  watchInfrastructure(app, infrastructure);
  return { app, infrastructure };
}
