// Synchronizer-token CSRF protection: every form carries the session's token in `_csrf`.
// Bearer-token API calls carry no cookies, so they cannot be forged cross-site and are exempt.
//
// Multipart forms (file uploads) have no body yet when this runs, so the token could not be read.
// For a signed-in principal the multipart body is parsed here (memory, one file, at most
// `uploadLimitBytes`), then the token is checked like any other form's. Nobody else gets a
// multipart body parsed: an anonymous upload is refused for its missing token without buffering,
// except on the public upload paths (/verify) for a session the page gave a token, within a
// smaller limit.
import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import multer, { MulterError, type StorageEngine } from 'multer';
import { BadRequestError, CsrfError } from '../errors';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface CsrfOptions {
  /** Largest file a multipart form may upload; without it multipart forms are not parsed. */
  uploadLimitBytes?: number;
  /** Largest file the public upload paths accept from anyone, signed in or not. */
  publicUploadLimitBytes?: number;
  /** Routes that take a file upload from a signed-in principal (areas' `uploads.signedIn`). */
  uploadPaths?: ReadonlySet<string>;
  /** Public pages that take one small upload from anyone (a report to verify); still token-checked. */
  publicUploadPaths?: ReadonlySet<string>;
  /** Path prefixes whose routes check their own token (areas' `ownCsrf`: no session per visitor). */
  ownCsrfPrefixes?: readonly string[];
}

declare global {
  namespace Express {
    interface Request {
      /** Why an uploaded file was not kept (too large, too many files): the page says so at the field. */
      uploadRejected?: string;
    }
  }
}

export function csrf(options: CsrfOptions = {}): RequestHandler {
  const limit = options.uploadLimitBytes;
  const UPLOAD_PATHS = options.uploadPaths ?? new Set<string>();
  const PUBLIC_UPLOAD_PATHS = options.publicUploadPaths ?? new Set<string>();
  const OWN = options.ownCsrfPrefixes ?? [];
  const multipart = limit
    ? multer({
        storage: boundedMemory(limit),
        limits: { files: 1, fields: 50, parts: 60, fieldSize: 200 * 1024 },
      }).any()
    : null;
  const publicMultipart = options.publicUploadLimitBytes
    ? multer({
        storage: boundedMemory(options.publicUploadLimitBytes),
        limits: { files: 1, fields: 5, parts: 6, fieldSize: 1024 },
      }).any()
    : null;
  return (req, res, next) => {
    if (req.viaToken) return next();
    // The token is created when a page that needs one is rendered (res.page), not here: a
    // request that stores nothing must not create a session row.
    if (SAFE.has(req.method)) return next();
    if (OWN.some((p) => req.path === p || req.path.startsWith(`${p}/`))) return next();
    const check = () => {
      const sent = String(req.body?._csrf ?? req.get('x-csrf-token') ?? '');
      const expected = req.session?.csrfToken ?? '';
      const ok =
        expected.length > 0 &&
        sent.length === expected.length &&
        crypto.timingSafeEqual(Buffer.from(sent), Buffer.from(expected));
      next(
        ok
          ? undefined
          : new CsrfError('This form has expired or did not come from Lethe. Reload the page and try again.'),
      );
    };
    // Uploads are parsed (into memory, bounded) only where a route accepts one, and only for a
    // signed-in principal: any other multipart POST is judged on its missing token.
    const parser =
      req.is('multipart/form-data') && PUBLIC_UPLOAD_PATHS.has(req.path) && req.session?.csrfToken
        ? publicMultipart
        : req.principal && UPLOAD_PATHS.has(req.path)
          ? multipart
          : null;
    const bound = parser === publicMultipart ? options.publicUploadLimitBytes : limit;
    if (!parser || !req.is('multipart/form-data')) return check();
    parser(req, res, (err?: unknown) => {
      if (err instanceof MulterError) req.uploadRejected = multerMessage(err);
      else if (err) return next(new BadRequestError('The upload was cut off or is not a valid form. Try again.'));
      const files = (req.files as Express.Multer.File[] | undefined) ?? [];
      const over = files.find((f) => !f.buffer);
      if (over) {
        req.uploadRejected = `The file is larger than the upload limit of ${megabytes(bound!)}`;
        req.files = files.filter((f) => f !== over);
      }
      check();
    });
  };
}

/** The session's CSRF token, created on first need (which is what makes a session worth storing). */
export function ensureCsrfToken(session: { csrfToken?: string }): string {
  session.csrfToken ??= crypto.randomBytes(24).toString('base64url');
  return session.csrfToken;
}

const megabytes = (bytes: number) => `${Number((bytes / 1024 / 1024).toPrecision(3))} MB`;

function multerMessage(err: MulterError): string {
  if (err.code === 'LIMIT_FILE_COUNT') return 'Upload one file at a time';
  return 'The form has too many or too large fields';
}

/**
 * Memory storage that stops keeping a file once it passes the limit but reads on to the end, so
 * the fields after it still arrive and the form can be shown again with its input kept.
 */
function boundedMemory(limit: number): StorageEngine {
  return {
    _handleFile(_req, file, cb) {
      const chunks: Buffer[] = [];
      let size = 0;
      file.stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= limit) chunks.push(chunk);
        else chunks.length = 0;
      });
      file.stream.on('error', cb);
      file.stream.on('end', () => cb(null, size <= limit ? { size, buffer: Buffer.concat(chunks, size) } : { size }));
    },
    _removeFile(_req, file, cb) {
      (file as { buffer?: Buffer }).buffer = undefined;
      cb(null);
    },
  };
}
