import { requestJson, requestVoid } from './http';

/** Always succeeds the same way whether or not the address has an account. */
export async function requestPasswordReset(email: string): Promise<void> {
  await requestJson<unknown>('/api/auth/password/forgot', { method: 'POST', auth: 'none', body: { email } });
}

export function resetPassword(token: string, password: string): Promise<void> {
  return requestVoid('/api/auth/password/reset', { method: 'POST', auth: 'none', body: { token, password } });
}

export function verifyEmail(token: string): Promise<void> {
  return requestVoid('/api/auth/email/verify', { method: 'POST', auth: 'none', body: { token } });
}

export async function resendVerification(): Promise<void> {
  await requestJson<unknown>('/api/auth/email/verification', { method: 'POST', auth: 'required' });
}

/** The token a mailed link carries in its fragment (#token=…), which never reaches a server's log. */
export function tokenFromFragment(hash: string): string {
  return new URLSearchParams(hash.replace(/^#/, '')).get('token') ?? '';
}
