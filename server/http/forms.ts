// Form handling shared by every page: parse with zod; on failure, the page is re-rendered
// (422) with the input kept, an error summary linking to each field and per-field messages.
import type { z } from 'zod';

export interface FormErrors {
  summary: { field: string; message: string }[];
  fields: Record<string, string>;
}

export const noErrors: FormErrors = { summary: [], fields: {} };

export function toFormErrors(error: z.ZodError): FormErrors {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = issue.path.join('.') || 'form';
    fields[field] ??= issue.message;
  }
  return { summary: Object.entries(fields).map(([field, message]) => ({ field, message })), fields };
}

export function formError(field: string, message: string): FormErrors {
  return { summary: [{ field, message }], fields: { [field]: message } };
}

export type Parsed<T> = { ok: true; data: T } | { ok: false; errors: FormErrors };

export function parseForm<S extends z.ZodType>(schema: S, body: unknown): Parsed<z.infer<S>> {
  const r = schema.safeParse(body ?? {});
  return r.success ? { ok: true, data: r.data } : { ok: false, errors: toFormErrors(r.error) };
}

/** Page/sort/filter parameters for tables. */
export function pageParams(query: Record<string, unknown>, pageSize = 50) {
  const page = Math.max(1, Number.parseInt(String(query.page ?? '1'), 10) || 1);
  return { page, pageSize, offset: (page - 1) * pageSize };
}

export interface Pager {
  page: number;
  pages: number;
  /** The rows in all; a lower bound when `more` (the count stopped at a cap, server/db/capped-count.ts). */
  total: number;
  /** More rows than `total`: the page count is unknown, and `hasNext` says whether a next page exists. */
  more: boolean;
  hasNext: boolean;
  href(page: number): string;
}

/**
 * What views/partials/pagination.ejs needs, from the page, the page size and the row count. A
 * count stopped at a cap (`{ more: true }`) cannot say how many pages there are: the page then
 * says whether it has a next one (`hasNext`, from fetching one row more than it shows).
 */
export function pager(
  page: number,
  pageSize: number,
  total: number | string,
  href: (page: number) => string,
  capped: { more: boolean; hasNext: boolean } = { more: false, hasNext: false },
): Pager {
  const n = Number(total);
  const pages = Math.max(1, Math.ceil(n / pageSize));
  if (!capped.more) return { page, pages, total: n, more: false, hasNext: page < pages, href };
  return {
    page,
    pages: Math.max(pages, page + (capped.hasNext ? 1 : 0)),
    total: n,
    more: true,
    hasNext: capped.hasNext,
    href,
  };
}
