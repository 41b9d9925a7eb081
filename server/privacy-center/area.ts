// The public privacy center (/privacy-center): data subjects ask for erasure or access, object to
// model training or withdraw consent, without signing in and without a session.
import type { Area } from '../area-descriptor';
import { privacyCenterRoutes } from './routes';

export const privacyCenterArea: Area = {
  name: 'privacy-center',
  web: [privacyCenterRoutes],
  ownCsrf: ['/privacy-center'],
};
