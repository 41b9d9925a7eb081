// What makes a report checkable offline. The signed manifest travels in the file itself: after
// the PDF's own %%EOF comes one comment line `%LETHE-SIGNATURE-1 <base64 JSON>` and a final
// %%EOF (PDF readers ignore what follows the first end marker's trailer). The manifest holds the
// SHA-256 of every byte before that line, the report's id, kind, period, policy bundle hash and
// audit-log head, and an Ed25519 signature over its canonical JSON. Flip any byte of the PDF and
// the hash differs; flip one in the manifest and the signature fails.
import crypto from 'node:crypto';
import { canonicalJson } from '../canonical-json';

const MARKER = Buffer.from('\n%LETHE-SIGNATURE-1 ');

export interface Manifest {
  v: 1;
  id: string;
  kind: string;
  title: string;
  generatedAt: string;
  period: { from: string; to: string } | null;
  /** SHA-256 of the PDF bytes before the signature line. */
  sha256: string;
  bundleHash: string;
  auditHead: { seq: number; hash: string } | null;
  /** The signed audit-log checkpoint recorded for this report (its id in audit_checkpoints). */
  checkpointId: string | null;
  keyFingerprint: string;
}

export interface PublicKeyEntry {
  fingerprint: string;
  /** SPKI PEM */
  publicKey: string;
  validFrom: string | null;
  /** null: the key signs today. */
  retiredAt: string | null;
}

export type Verdict =
  | { status: 'authentic'; manifest: Manifest; key: PublicKeyEntry }
  | { status: 'altered'; reason: string; manifest?: Manifest }
  | { status: 'unknown'; reason: string; manifest?: Manifest };

const rawPublic = (key: crypto.KeyObject) => key.export({ format: 'der', type: 'spki' }).subarray(-32);

/** SHA-256 of the raw 32-byte public key, hex: the name a key goes by. */
export function fingerprintOf(key: crypto.KeyObject): string {
  const pub = key.type === 'private' ? crypto.createPublicKey(key) : key;
  return crypto.createHash('sha256').update(rawPublic(pub)).digest('hex');
}

export function publicPem(key: crypto.KeyObject): string {
  const pub = key.type === 'private' ? crypto.createPublicKey(key) : key;
  return pub.export({ format: 'pem', type: 'spki' }).toString();
}

export const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

/** Appends the signed manifest to a rendered PDF. */
export function signPdf(
  pdf: Buffer,
  fields: Omit<Manifest, 'v' | 'sha256' | 'keyFingerprint'>,
  key: crypto.KeyObject,
): { bytes: Buffer; manifest: Manifest } {
  const manifest: Manifest = { v: 1, ...fields, sha256: sha256(pdf), keyFingerprint: fingerprintOf(key) };
  const signature = crypto.sign(null, Buffer.from(canonicalJson(manifest)), key).toString('base64');
  const line = Buffer.from(JSON.stringify({ manifest, signature })).toString('base64');
  return { bytes: Buffer.concat([pdf, MARKER, Buffer.from(line), Buffer.from('\n%%EOF\n')]), manifest };
}

/** Checks a file against the keys given (the current key and the retired ones, with their periods). */
export function verifyPdf(file: Buffer, keys: PublicKeyEntry[]): Verdict {
  const at = file.lastIndexOf(MARKER);
  if (at < 0) return { status: 'unknown', reason: 'the file carries no Lethe signature' };
  const body = file.subarray(0, at);
  const tail = file.subarray(at + MARKER.length).toString('latin1');
  const m = /^([A-Za-z0-9+/=]+)\n%%EOF\n?$/.exec(tail);
  if (!m) return { status: 'altered', reason: 'the signature block is damaged' };
  let parsed: { manifest: Manifest; signature: string };
  try {
    parsed = JSON.parse(Buffer.from(m[1], 'base64').toString('utf8'));
    if (!parsed?.manifest || typeof parsed.signature !== 'string' || typeof parsed.manifest.keyFingerprint !== 'string')
      throw new Error('shape');
  } catch {
    return { status: 'altered', reason: 'the signature block is damaged' };
  }
  const { manifest, signature } = parsed;
  const key = keys.find((k) => k.fingerprint === manifest.keyFingerprint);
  if (!key)
    return {
      status: 'unknown',
      reason: `signed by key ${manifest.keyFingerprint.slice(0, 16)}…, which is not one of Lethe's report keys`,
      manifest,
    };
  const ok = crypto.verify(
    null,
    Buffer.from(canonicalJson(manifest)),
    crypto.createPublicKey(key.publicKey),
    Buffer.from(signature, 'base64'),
  );
  if (!ok) return { status: 'altered', reason: 'the signature does not match the signed fields', manifest };
  if (sha256(body) !== manifest.sha256)
    return { status: 'altered', reason: 'the document differs from the one that was signed', manifest };
  // A retired key vouches only for what it signed while it was in use.
  if (key.retiredAt && manifest.generatedAt > key.retiredAt)
    return { status: 'unknown', reason: `signed by a key retired at ${key.retiredAt}, after its retirement`, manifest };
  return { status: 'authentic', manifest, key };
}

/** The key list as published at /.well-known/lethe-report-key, or a single PEM public key. */
export function parseKeyFile(text: string): PublicKeyEntry[] {
  const t = text.trim();
  if (t.startsWith('{')) {
    const doc = JSON.parse(t) as { keys: PublicKeyEntry[] };
    return doc.keys.map((k) => ({ ...k, fingerprint: fingerprintOf(crypto.createPublicKey(k.publicKey)) }));
  }
  const key = crypto.createPublicKey(t);
  return [{ fingerprint: fingerprintOf(key), publicKey: publicPem(key), validFrom: null, retiredAt: null }];
}
