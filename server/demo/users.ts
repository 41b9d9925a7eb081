// The demo company's staff: one user per role. Users whose role requires MFA are enrolled with
// a TOTP secret printed at start (add it to any authenticator app, or `npx lethe demo totp`).
import type { Deps } from '../deps';
import { userByEmail } from '../auth';

export const DEMO_DOMAIN = 'northwind.example';

export const DEMO_USERS = [
  { email: `ada.admin@${DEMO_DOMAIN}`, displayName: 'Ada Admin', role: 'admin' },
  { email: `olga.officer@${DEMO_DOMAIN}`, displayName: 'Olga Officer', role: 'compliance_officer' },
  { email: `oscar.officer@${DEMO_DOMAIN}`, displayName: 'Oscar Officer', role: 'compliance_officer' },
  { email: `eve.ethics@${DEMO_DOMAIN}`, displayName: 'Eve Ethics', role: 'ethics_board' },
  { email: `aude.auditor@${DEMO_DOMAIN}`, displayName: 'Aude Auditor', role: 'auditor' },
  { email: `dan.steward@${DEMO_DOMAIN}`, displayName: 'Dan Steward', role: 'data_steward' },
  { email: `bram.board@${DEMO_DOMAIN}`, displayName: 'Bram Board', role: 'ethics_board' },
  { email: `chen.chair@${DEMO_DOMAIN}`, displayName: 'Chen Chair', role: 'board_chair' },
] as const;

export const DEMO_PASSWORD = 'northwind-demo-2026';

export interface DemoLogin {
  email: string;
  role: string;
  password: string;
  totpSecret: string | null;
}

export async function seedDemoUsers(deps: Deps): Promise<DemoLogin[]> {
  const logins: DemoLogin[] = [];
  for (const u of DEMO_USERS) {
    const existing = await userByEmail(deps.db, u.email);
    const user = existing ?? (await deps.auth.createUser({ ...u, password: DEMO_PASSWORD }, 'system:seed'));
    let secret: string | null = user.mfa_secret_enc ? deps.crypto.decrypt(user.mfa_secret_enc) : null;
    if (!secret && deps.auth.mfaRequired(u.role)) {
      const { secret: s } = await deps.auth.beginEnrolment(user);
      const { totpNow } = await import('../auth');
      // No recovery codes: nobody would ever see them (the TOTP key is printed instead).
      await deps.auth.confirmEnrolment(user.id, s, totpNow(s), { recoveryCodes: false });
      secret = s;
    }
    logins.push({ email: u.email, role: u.role, password: DEMO_PASSWORD, totpSecret: secret });
  }
  return logins;
}

export async function demoLogins(deps: Deps): Promise<DemoLogin[]> {
  const out: DemoLogin[] = [];
  for (const u of DEMO_USERS) {
    const row = await userByEmail(deps.db, u.email);
    if (row)
      out.push({
        email: u.email,
        role: u.role,
        password: DEMO_PASSWORD,
        totpSecret: row.mfa_secret_enc ? deps.crypto.decrypt(row.mfa_secret_enc) : null,
      });
  }
  return out;
}
