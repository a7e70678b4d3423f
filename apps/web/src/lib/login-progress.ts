// Where sign-in got to, kept per tab in sessionStorage so that a reload, Back/Forward or a
// lost page still lets the person enter the code already in their inbox. Only the address
// and the timings: never a code or a token.
export interface LoginProgress {
  email: string;
  /** How long a code works, as the start answer said. */
  expiresInSeconds: number;
  /** How many digits a code has, as the start answer said. */
  codeLength: number;
  /** When Resend code may be used again (ms since the epoch). */
  resendAt: number;
  /** When the newest code stops working (ms since the epoch), when known. */
  codeExpiresAt?: number | undefined;
}

const KEY = 'portcullis.login';

export function readProgress(): LoginProgress | undefined {
  try {
    const value = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as
      (Omit<LoginProgress, 'codeLength'> & { codeLength?: number }) | null;
    // A tab that began sign-in before codeLength was kept: codes then had six digits.
    return value && typeof value.email === 'string'
      ? { ...value, codeLength: value.codeLength ?? 6 }
      : undefined;
  } catch {
    return undefined;
  }
}

export function saveProgress(progress: LoginProgress | undefined): void {
  try {
    if (progress) sessionStorage.setItem(KEY, JSON.stringify(progress));
    else sessionStorage.removeItem(KEY);
  } catch {
    // Storage refused (private mode, quota): the page still works, it just forgets on reload.
  }
}
