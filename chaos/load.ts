// The mixed load the experiments run under: anonymous catalog reads, signed-in reads, lesson completions by
// many students and logins, all through nginx on loopback, bounded in request count and time. Every answer is
// recorded; a completion answered 200 is an acknowledged write, checked against the database afterwards.

export interface Sample {
  kind: 'catalog' | 'course' | 'my' | 'complete' | 'login';
  /** Date.now() when sent and when the answer was read. */
  sentAt: number;
  receivedAt: number;
  /** 0 for a network error or a client timeout. */
  status: number;
  /** The problem+json `code` of an error answer. */
  code: string | undefined;
  html: boolean;
}

export interface Student {
  email: string;
  token: string;
  userId: number;
}

export interface LoadPlan {
  baseUrl: string;
  password: string;
  students: Student[];
  courseIds: number[];
  lessonIds: number[];
  /** Completion clients: one per student, each completing its own next lesson in turn. */
  completers: number;
  /** Clients reading the catalog anonymously, and clients reading /api/progress/my signed in. */
  anonymousReaders: number;
  signedInReaders: number;
  /** One client logging in, with this pause between logins (argon2 is the costly request). */
  loginPauseMs: number;
  maxRequests: number;
  maxDurationMs: number;
}

const clientTimeoutMs = 20_000;

function assertLoopback(url: string): void {
  if (new URL(url).hostname !== '127.0.0.1')
    throw new Error(`the fault suite only talks to 127.0.0.1, not ${url}`);
}

async function send(
  baseUrl: string,
  kind: Sample['kind'],
  path: string,
  init: { method?: string; token?: string; body?: unknown },
): Promise<Sample & { body: unknown }> {
  const url = `${baseUrl}${path}`;
  assertLoopback(url);
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const sentAt = Date.now();
  try {
    const response = await fetch(url, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(clientTimeoutMs),
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const problemCode =
      response.status >= 400 && typeof body === 'object' && body !== null
        ? (body as Record<string, unknown>).code
        : undefined;
    const code = typeof problemCode === 'string' ? problemCode : undefined;
    return {
      kind,
      sentAt,
      receivedAt: Date.now(),
      status: response.status,
      code,
      html:
        (response.headers.get('content-type') ?? '').includes('text/html') ||
        /^\s*<(!doctype|html)/i.test(text),
      body,
    };
  } catch (error) {
    return {
      kind,
      sentAt,
      receivedAt: Date.now(),
      status: 0,
      code: error instanceof Error ? error.name : 'network',
      html: false,
      body: undefined,
    };
  }
}

/** Runs until stop() or a bound; `samples` and `acknowledged` fill as answers arrive. */
export class MixedLoad {
  readonly samples: Sample[] = [];
  /** `${userId}:${lessonId}` of every completion answered 200. */
  readonly acknowledged = new Set<string>();
  private stopped = false;
  private requests = 0;

  constructor(private readonly plan: LoadPlan) {}

  stop(): void {
    this.stopped = true;
  }

  async run(): Promise<void> {
    const deadline = Date.now() + this.plan.maxDurationMs;
    const more = () => !this.stopped && Date.now() < deadline && this.requests < this.plan.maxRequests;
    const record = (sample: Sample) => {
      this.samples.push({
        kind: sample.kind,
        sentAt: sample.sentAt,
        receivedAt: sample.receivedAt,
        status: sample.status,
        code: sample.code,
        html: sample.html,
      });
    };
    const loop = async (step: (iteration: number) => Promise<void>, pauseMs = 0) => {
      for (let iteration = 0; more(); iteration += 1) {
        this.requests += 1;
        await step(iteration);
        if (pauseMs) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    };
    const { plan } = this;
    const clients: Promise<void>[] = [];
    for (let client = 0; client < plan.completers; client += 1) {
      const student = plan.students[client % plan.students.length];
      if (!student) continue;
      let next = client * 7;
      clients.push(
        loop(async () => {
          const lessonId = plan.lessonIds[next % plan.lessonIds.length] ?? 0;
          next += 1;
          const sample = await send(plan.baseUrl, 'complete', `/api/progress/${lessonId}/complete`, {
            method: 'POST',
            token: student.token,
          });
          record(sample);
          if (sample.status === 200) this.acknowledged.add(`${student.userId}:${lessonId}`);
        }),
      );
    }
    for (let client = 0; client < plan.anonymousReaders; client += 1) {
      clients.push(
        loop(async (iteration) => {
          const courseId = plan.courseIds[(client + iteration) % plan.courseIds.length] ?? 0;
          const catalog = iteration % 2 === 0;
          record(
            await send(
              plan.baseUrl,
              catalog ? 'catalog' : 'course',
              catalog ? `/api/courses?limit=20&offset=${iteration % 3}` : `/api/courses/${courseId}`,
              {},
            ),
          );
        }),
      );
    }
    for (let client = 0; client < plan.signedInReaders; client += 1) {
      clients.push(
        loop(async (iteration) => {
          const student = plan.students[(client + iteration) % plan.students.length];
          record(
            await send(plan.baseUrl, 'my', '/api/progress/my?limit=20', { token: student?.token ?? '' }),
          );
        }),
      );
    }
    clients.push(
      loop(async (iteration) => {
        const student = plan.students[iteration % plan.students.length];
        record(
          await send(plan.baseUrl, 'login', '/api/auth/login', {
            method: 'POST',
            body: { email: student?.email ?? '', password: plan.password },
          }),
        );
      }, plan.loginPauseMs),
    );
    await Promise.all(clients);
  }
}

/** Seeding helpers: each throws with the answer when the status is not the expected one. */
export async function expectJson(
  baseUrl: string,
  path: string,
  expected: number,
  init: { method?: string; token?: string; body?: unknown } = {},
): Promise<Record<string, unknown>> {
  const answer = await send(baseUrl, 'login', path, init);
  if (answer.status !== expected) {
    throw new Error(
      `${init.method ?? 'GET'} ${path}: expected ${expected}, got ${answer.status} ${answer.code ?? ''}`,
    );
  }
  return (answer.body ?? {}) as Record<string, unknown>;
}
