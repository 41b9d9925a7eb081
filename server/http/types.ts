import 'express-session';
import type { Principal } from '../auth';

declare module 'express-session' {
  interface SessionData {
    userId?: string;
    /** Password accepted, second factor still due (or enrolment, when the role requires MFA). */
    pendingUserId?: string;
    /** The TOTP secret being enrolled, encrypted (never plaintext in the session store). */
    pendingEnrolmentSecret?: string;
    /** When the sign-in completed (ms): sessions end SESSION_ABSOLUTE_MS later however active. */
    signedInAt?: number;
    mfaVerified?: boolean;
    csrfToken?: string;
    flash?: { kind: 'success' | 'info' | 'error'; text: string }[];
    returnTo?: string;
  }
}

declare global {
  namespace Express {
    interface Request {
      principal?: Principal;
      viaToken?: boolean;
    }
    interface Response {
      /** Renders views/<view>.ejs inside the layout. */
      page(view: string, model: Record<string, unknown> & { title: string }, status?: number): Promise<void>;
      flash(kind: 'success' | 'info' | 'error', text: string): void;
    }
  }
}

export {};
