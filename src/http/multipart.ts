import busboy from 'busboy';
import type { RawPair } from '../core/form.ts';

export function isMultipart(contentType: string | undefined): boolean {
  return /^\s*multipart\/form-data\b/i.test(contentType ?? '');
}

/**
 * Parses a multipart/form-data body (the official PHP demo sends one) into byte pairs. Values are read as
 * latin1, which maps bytes 1:1, so that charset decoding happens later with `_input_charset` like any form.
 * Resolves null when the body is not valid multipart.
 */
export function parseMultipart(contentType: string, body: Buffer): Promise<RawPair[] | null> {
  return new Promise((resolve) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': contentType },
        defCharset: 'latin1',
        defParamCharset: 'latin1',
        limits: { fields: 1000, fieldSize: body.length + 1, fieldNameSize: 1000 },
      });
    } catch {
      resolve(null);
      return;
    }
    const pairs: RawPair[] = [];
    // A part without a name (`Content-Disposition: form-data` alone) is no parameter: the body is malformed.
    let nameless = false;
    parser.on('field', (name: string | undefined, value) => {
      if (!name) nameless = true;
      else pairs.push({ name: Buffer.from(name, 'latin1'), value: Buffer.from(value, 'latin1') });
    });
    parser.on('file', (name: string | undefined, stream) => {
      if (!name) {
        nameless = true;
        stream.resume();
        return;
      }
      // A file part is read as a value: some clients mark plain fields as files.
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => pairs.push({ name: Buffer.from(name, 'latin1'), value: Buffer.concat(chunks) }));
    });
    parser.on('error', () => resolve(null));
    parser.on('close', () => resolve(nameless ? null : pairs));
    parser.end(body);
  });
}
