import * as crypto from 'node:crypto';

// crypto.hash (Node 20.12 and later) skips the Hash object: ~2 µs of ~4 for a signing string. Two MD5s and two
// SHA-256s a pay. Where Node is older, createHash does the same.
const oneShot = (crypto as { hash?: (algorithm: string, data: string | Buffer, encoding: 'hex' | 'buffer') => string | Buffer }).hash;

/** lower-case hex of the digest of bytes (a string is read as UTF-8) */
export function digestHex(algorithm: 'md5' | 'sha256', data: string | Buffer): string {
  return oneShot ? (oneShot(algorithm, data, 'hex') as string) : crypto.createHash(algorithm).update(data).digest('hex');
}

/** the digest's bytes (a string is read as UTF-8) */
export function digestBytes(algorithm: 'md5' | 'sha256', data: string | Buffer): Buffer {
  return oneShot ? (oneShot(algorithm, data, 'buffer') as Buffer) : crypto.createHash(algorithm).update(data).digest();
}
