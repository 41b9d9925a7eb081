import crypto from 'node:crypto';
import { authenticator } from 'otplib';
import argon2 from 'argon2';

// One step of clock drift either way, as RFC 6238 §5.2 recommends.
authenticator.options = { window: 1 };

export const newTotpSecret = () => authenticator.generateSecret();
export const totpNow = (secret: string) => authenticator.generate(secret);
export const checkTotp = (secret: string, code: string) => /^\d{6}$/.test(code) && authenticator.check(code, secret);

const STEP_MS = 30_000;

/** The time step a valid code belongs to (for the replay check), or null when the code is not valid now. */
export function totpStep(secret: string, code: string, now = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  // One clock reading for both the check and the step, so a step boundary in between cannot skew it.
  const delta = authenticator.clone({ epoch: now }).checkDelta(code, secret);
  return delta === null ? null : Math.floor(now / STEP_MS) + delta;
}

export async function enrolmentQrSvg(account: string, secret: string): Promise<string> {
  // Loaded on first use (the enrolment page), not at every start.
  const { default: QRCode } = await import('qrcode');
  return QRCode.toString(authenticator.keyuri(account, 'Lethe', secret), { type: 'svg', margin: 1 });
}

export function newRecoveryCodes(count = 10): string[] {
  return Array.from({ length: count }, () => {
    const hex = crypto.randomBytes(5).toString('hex');
    return `${hex.slice(0, 5)}-${hex.slice(5)}`;
  });
}

export const hashRecoveryCodes = (codes: string[]) => Promise.all(codes.map((c) => argon2.hash(c)));

/** Returns the remaining hashes when the code matches one (it is used up), or null. */
export async function useRecoveryCode(hashes: string[], code: string): Promise<string[] | null> {
  const normalized = code.trim().toLowerCase();
  for (let i = 0; i < hashes.length; i++) {
    if (await argon2.verify(hashes[i], normalized).catch(() => false)) return hashes.filter((_, j) => j !== i);
  }
  return null;
}
