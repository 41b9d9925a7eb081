// Data categories are dotted paths (Fides taxonomy convention). A category covers itself and
// everything below it: `user.contact` covers `user.contact.email`, but not `user.contacts`.

export function categoryCovers(prefix: string, key: string): boolean {
  return key === prefix || key.startsWith(prefix + '.');
}

/** How specific a category is: the number of dotted segments (`user` = 1, `user.contact.email` = 3). */
export function categoryDepth(key: string): number {
  return key.split('.').length;
}

/** The parent key (`user.contact` for `user.contact.email`), or null for a top-level key. */
export function parentCategory(key: string): string | null {
  const i = key.lastIndexOf('.');
  return i < 0 ? null : key.slice(0, i);
}

export const CATEGORY_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;
