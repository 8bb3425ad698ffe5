import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';

// Relative to this module, not the cwd: the server may be started from anywhere.
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

const MIGRATION_FILE = /^\d.*\.(ts|js|mjs)$/;

/** Lists `migrations/` and imports each file itself, so that TypeScript migrations load through tsx. */
export class FolderMigrationSource implements Knex.MigrationSource<string> {
  constructor(private readonly dir: string = MIGRATIONS_DIR) {}

  async getMigrations(): Promise<string[]> {
    const files = await readdir(this.dir);
    return files.filter((f) => MIGRATION_FILE.test(f) && !f.endsWith('.d.ts')).sort();
  }

  /** Without the extension, so that a compiled (.js) build sees the same history. */
  getMigrationName(file: string): string {
    return file.replace(/\.(ts|js|mjs)$/, '');
  }

  async getMigration(file: string): Promise<Knex.Migration> {
    const mod = (await import(pathToFileURL(join(this.dir, file)).href)) as Partial<Knex.Migration>;
    if (typeof mod.up !== 'function') throw new Error(`migration ${file} exports no up()`);
    return { up: mod.up, down: mod.down };
  }
}

export interface MigrateOptions {
  dir?: string;
  /**
   * Serialise with other processes migrating the same database (PostgreSQL server). Needs a second pooled
   * connection; the embedded database belongs to one process anyway.
   */
  crossProcessLock?: boolean;
}

// The two-key form of advisory locks never meets the one-key form that lockTrade takes.
const MIGRATION_LOCK = [0x6d617069, 1] as const;

/**
 * Brings the schema up to date. Several instances may start on one server database at once; knex's own
 * lock does not cover creating its bookkeeping tables, so the first one migrates while the others wait on an
 * advisory lock held by a transaction of their own, and then find nothing left to do.
 */
export async function runMigrations(knex: Knex, options: MigrateOptions = {}): Promise<void> {
  const config: Knex.MigratorConfig = { migrationSource: new FolderMigrationSource(options.dir) };
  if (!options.crossProcessLock) {
    await knex.migrate.latest(config);
    return;
  }
  await knex.transaction(async (lock) => {
    await lock.raw('select pg_advisory_xact_lock(?, ?)', [...MIGRATION_LOCK]);
    await knex.migrate.latest(config);
  });
}
