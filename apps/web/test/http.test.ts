import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, onSessionExpired, requestJson, requestPage } from '../src/api/http';
import { readSession, writeSession } from '../src/api/session';
import { jsonResponse, memoryStorage, session } from './fetch-stub';

type FetchArgs = [string, RequestInit];

function authorization(init: RequestInit | undefined): string | undefined {
  return (init?.headers as Record<string, string> | undefined)?.authorization;
}

const fetchMock = vi.fn<(...args: FetchArgs) => Promise<Response>>();

beforeEach(() => {
  vi.stubGlobal('localStorage', memoryStorage());
  vi.stubGlobal('navigator', {});
  vi.stubGlobal('fetch', fetchMock);
  fetchMock.mockReset();
  writeSession(null);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('requests with a session', () => {
  it('sends the access token as a bearer token', async () => {
    writeSession(session());
    fetchMock.mockResolvedValueOnce(jsonResponse(200, { id: 1 }));

    await requestJson('/api/auth/me', { auth: 'required' });

    expect(authorization(fetchMock.mock.calls[0]?.[1])).toBe('Bearer access-1');
  });

  it('never sends a token for public reads', async () => {
    writeSession(session());
    fetchMock.mockResolvedValueOnce(jsonResponse(200, [], { 'x-total-count': '0' }));

    await requestPage('/api/courses', { auth: 'none' });

    expect(authorization(fetchMock.mock.calls[0]?.[1])).toBeUndefined();
  });

  it('refreshes once on 401 through the refresh cookie, retries, and keeps the new access token in memory only', async () => {
    writeSession(session());
    fetchMock
      .mockResolvedValueOnce(jsonResponse(401, { detail: 'expired', code: 'invalid_token' }))
      .mockResolvedValueOnce(
        jsonResponse(200, {
          access_token: 'access-2',
          token_type: 'bearer',
          expires_in: 900,
        }),
      )
      .mockResolvedValueOnce(jsonResponse(200, { id: 1 }));

    await expect(requestJson('/api/auth/me', { auth: 'required' })).resolves.toEqual({ id: 1 });

    const [refreshUrl, refreshInit] = fetchMock.mock.calls[1] ?? [];
    expect(refreshUrl).toBe('/api/auth/refresh');
    expect(JSON.parse(refreshInit?.body as string)).toEqual({});
    expect((refreshInit?.headers as Record<string, string>)['x-refresh-token-mode']).toBe('cookie');
    expect(authorization(fetchMock.mock.calls[2]?.[1])).toBe('Bearer access-2');
    expect(readSession()?.accessToken).toBe('access-2');
    const stored = Array.from({ length: localStorage.length }, (_, i) =>
      localStorage.getItem(localStorage.key(i) ?? ''),
    );
    expect(stored.join(' ')).not.toContain('access-2');
  });

  it('shares one refresh between requests that fail together', async () => {
    writeSession(session());
    fetchMock.mockImplementation((url, init) => {
      if (url === '/api/auth/refresh') {
        return Promise.resolve(
          jsonResponse(200, {
            access_token: 'access-2',
            refresh_token: 'refresh-2',
            token_type: 'bearer',
            expires_in: 900,
          }),
        );
      }
      const fresh = authorization(init) === 'Bearer access-2';
      return Promise.resolve(
        fresh ? jsonResponse(200, { ok: true }) : jsonResponse(401, { detail: 'expired' }),
      );
    });

    await Promise.all([
      requestJson('/api/progress/my/courses', { auth: 'required' }),
      requestJson('/api/auth/me', { auth: 'required' }),
      requestJson('/api/progress/courses/1', { auth: 'required' }),
    ]);

    expect(fetchMock.mock.calls.filter(([url]) => url === '/api/auth/refresh')).toHaveLength(1);
  });

  it('refreshes before sending when the access token is about to expire', async () => {
    writeSession(session({ expiresAt: Date.now() + 1_000 }));
    fetchMock
      .mockResolvedValueOnce(
        jsonResponse(200, {
          access_token: 'access-2',
          refresh_token: 'refresh-2',
          token_type: 'bearer',
          expires_in: 900,
        }),
      )
      .mockResolvedValueOnce(jsonResponse(200, { id: 1 }));

    await requestJson('/api/auth/me', { auth: 'required' });

    expect(fetchMock.mock.calls[0]?.[0]).toBe('/api/auth/refresh');
    expect(authorization(fetchMock.mock.calls[1]?.[1])).toBe('Bearer access-2');
  });

  it('ends the session and reports it when the refresh token is refused', async () => {
    writeSession(session());
    const expired = vi.fn();
    const stop = onSessionExpired(expired);
    fetchMock
      .mockResolvedValueOnce(jsonResponse(401, { detail: 'expired' }))
      .mockResolvedValueOnce(
        jsonResponse(401, { detail: 'Refresh token reused', code: 'refresh_token_reused' }),
      );

    const error: unknown = await requestJson('/api/auth/me', { auth: 'required' }).catch(
      (reason: unknown) => reason,
    );
    stop();

    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
    expect(readSession()).toBeNull();
    expect(expired).toHaveBeenCalledOnce();
  });

  it('keeps the session when the refresh could not be attempted', async () => {
    writeSession(session());
    fetchMock
      .mockResolvedValueOnce(jsonResponse(401, { detail: 'expired' }))
      .mockResolvedValueOnce(jsonResponse(503, { detail: 'down' }, { 'retry-after': '2' }));

    await expect(requestJson('/api/auth/me', { auth: 'required' })).rejects.toMatchObject({ status: 503 });
    expect(readSession()?.accessToken).toBe('access-1');
  });

  it('uses the token another tab already rotated instead of rotating it again', async () => {
    const stale = session();
    writeSession(stale);
    fetchMock.mockImplementationOnce(() => {
      // Another tab refreshes while this request is in flight.
      writeSession(session({ accessToken: 'access-other' }));
      return Promise.resolve(jsonResponse(401, { detail: 'expired' }));
    });
    fetchMock.mockResolvedValueOnce(jsonResponse(200, { id: 1 }));

    await requestJson('/api/auth/me', { auth: 'required' });

    expect(fetchMock.mock.calls.map(([url]) => url)).toEqual(['/api/auth/me', '/api/auth/me']);
    expect(authorization(fetchMock.mock.calls[1]?.[1])).toBe('Bearer access-other');
  });
});

describe('errors', () => {
  it('fails without calling the server when a token is required and there is none', async () => {
    await expect(requestJson('/api/progress/my', { auth: 'required' })).rejects.toMatchObject({
      status: 401,
    });
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('exposes the problem detail, field errors and Retry-After', async () => {
    fetchMock.mockResolvedValueOnce(
      jsonResponse(
        429,
        { type: 'x', title: 'Too Many Requests', status: 429, detail: 'Slow down.', code: 'rate_limited' },
        { 'retry-after': '12' },
      ),
    );
    fetchMock.mockResolvedValueOnce(
      jsonResponse(422, {
        status: 422,
        detail: 'email: invalid',
        code: 'validation_failed',
        errors: [{ field: 'email', message: 'invalid' }],
      }),
    );

    const limited = (await requestJson('/api/auth/login', { method: 'POST', auth: 'none', body: {} }).catch(
      (reason: unknown) => reason,
    )) as ApiError;
    const invalid = (await requestJson('/api/auth/register', {
      method: 'POST',
      auth: 'none',
      body: {},
    }).catch((reason: unknown) => reason)) as ApiError;

    expect(limited.retryAfter).toBe(12);
    expect(limited.detail).toBe('Slow down.');
    expect(invalid.fieldErrors).toEqual([{ field: 'email', message: 'invalid' }]);
  });

  it('reports a network failure as status 0', async () => {
    fetchMock.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    await expect(requestJson('/api/courses', { auth: 'none' })).rejects.toMatchObject({ status: 0 });
  });
});

describe('lists', () => {
  it('reads the total from X-Total-Count', async () => {
    fetchMock.mockResolvedValueOnce(jsonResponse(200, [{ id: 1 }], { 'x-total-count': '41' }));
    await expect(requestPage('/api/courses?limit=1', { auth: 'none' })).resolves.toEqual({
      items: [{ id: 1 }],
      total: 41,
    });
  });
});
