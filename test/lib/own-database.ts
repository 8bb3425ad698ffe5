import { randomBytes } from 'node:crypto';
import { createDatabase, dropDatabase } from '../../src/store/db.ts';

/**
 * Options for createApp() giving it a database of its own: with DATABASE_URL, a fresh database on that server
 * (dropped by `drop()`); otherwise nothing, and createApp() takes an in-memory one.
 */
export async function ownDatabase(): Promise<{ options: { databaseUrl?: string }; drop(): Promise<void> }> {
  const server = process.env.DATABASE_URL;
  if (!server) return { options: {}, drop: async () => {} };
  const name = `mapi_lib_${randomBytes(6).toString('hex')}`;
  const databaseUrl = await createDatabase(server, name);
  return { options: { databaseUrl }, drop: () => dropDatabase(server, name) };
}
