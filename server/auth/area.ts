// Sign-in, TOTP, invitations: pages only (no navigation entry; the header holds sign-out).
import type { Area } from '../area-descriptor';
import { authRoutes } from './routes';
import { invitationRoutes } from './invitation-routes';

export const authArea: Area = { name: 'auth', web: [authRoutes, invitationRoutes] };
