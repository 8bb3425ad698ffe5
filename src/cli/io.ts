// What every command of the CLI shares: where it writes, and the error for wrong arguments.

/** wrong arguments: the CLI prints the message and the command's help, and exits 2 */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}
