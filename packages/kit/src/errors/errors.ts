export interface FieldError {
  field: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
  retry_after?: number;
  /** When withheld content becomes available (code not_available_yet). */
  available_from?: string;
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** An error we mean to show the client: a stable `code`, an HTTP status and a human `detail`. */
export class AppError extends Error {
  readonly headers: Record<string, string>;
  readonly fieldErrors: FieldError[] | undefined;
  readonly availableFrom: string | undefined;

  constructor(
    readonly statusCode: number,
    readonly code: string,
    detail: string,
    options: {
      headers?: Record<string, string>;
      fieldErrors?: FieldError[];
      cause?: unknown;
      availableFrom?: string;
    } = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = 'AppError';
    this.headers = options.headers ?? {};
    this.fieldErrors = options.fieldErrors;
    this.availableFrom = options.availableFrom;
  }

  toProblem(): Problem {
    const problem: Problem = {
      type: `https://lectern.dev/problems/${this.code.replaceAll('_', '-')}`,
      title: titles[this.statusCode] ?? 'Error',
      status: this.statusCode,
      detail: this.message,
      code: this.code,
    };
    if (this.fieldErrors) problem.errors = this.fieldErrors;
    if (this.availableFrom !== undefined) problem.available_from = this.availableFrom;
    const retryAfter = Number(this.headers['retry-after']);
    if (Number.isFinite(retryAfter) && retryAfter > 0) problem.retry_after = retryAfter;
    return problem;
  }
}

/** The kit's shared errors; services add their own with the same constructor. */
export const errors = {
  badRequest: (detail: string, code = 'bad_request') => new AppError(400, code, detail),
  malformedJson: () => new AppError(400, 'malformed_json', 'The request body is not valid JSON.'),
  validation: (fieldErrors: FieldError[]) =>
    new AppError(
      422,
      'validation_failed',
      fieldErrors.map((error) => `${error.field}: ${error.message}`).join('; ') || 'The request is invalid.',
      { fieldErrors },
    ),
  unauthorized: (detail = 'Authentication required.', code = 'unauthorized') =>
    new AppError(401, code, detail, {
      headers: {
        'www-authenticate': `Bearer realm="lectern"${code === 'unauthorized' ? '' : ', error="invalid_token"'}`,
      },
    }),
  invalidToken: (detail = 'The access token is invalid or expired.') =>
    errors.unauthorized(detail, 'invalid_token'),
  forbidden: (detail = 'You are not allowed to do this.') => new AppError(403, 'forbidden', detail),
  notFound: (detail = 'Not found.', code = 'not_found') => new AppError(404, code, detail),
  routeNotFound: (method: string, path: string) =>
    new AppError(404, 'route_not_found', `No route for ${method} ${path}.`),
  conflict: (detail: string, code = 'conflict') => new AppError(409, code, detail),
  payloadTooLarge: (limitBytes: number) =>
    new AppError(413, 'payload_too_large', `The request body is larger than ${limitBytes} bytes.`),
  unsupportedMediaType: (type: string) =>
    new AppError(
      415,
      'unsupported_media_type',
      `Content-Type ${type || '(none)'} is not supported; send JSON.`,
    ),
  tooManyRequests: (retryAfterSeconds: number) =>
    new AppError(429, 'rate_limited', `Too many requests: try again in ${retryAfterSeconds} seconds.`, {
      headers: { 'retry-after': String(retryAfterSeconds) },
    }),
  unavailable: (detail: string, retryAfterSeconds = 5, code = 'service_unavailable') =>
    new AppError(503, code, detail, { headers: { 'retry-after': String(retryAfterSeconds) } }),
  databaseUnavailable: () =>
    errors.unavailable(
      'The database is busy or unreachable; please retry shortly.',
      2,
      'database_unavailable',
    ),
  internal: () =>
    new AppError(500, 'internal_error', 'Something went wrong on our side; it has been logged.'),
};
