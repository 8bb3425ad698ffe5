// The CLI's commands on the configured database (DATABASE_URL, or the embedded one in DATA_DIR). Each answers an exit code.
import { readFile, writeFile } from 'node:fs/promises';
import { RuleService } from '../app/rule-service.ts';
import { type OpenedDatabase, databaseOf, openDatabase } from '../compose.ts';
import { type Config, loadConfig } from '../config.ts';
import { type Io, UsageError } from './io.ts';

function describe(config: Config, database: OpenedDatabase): string {
  return database.kind === 'pg' ? 'PostgreSQL (DATABASE_URL)' : `the embedded database in ${config.dataDir}/`;
}

/** the configured database, migrated, with no context over it: a command starts no timers and sends nothing */
async function withDatabase<T>(env: NodeJS.ProcessEnv, fn: (database: OpenedDatabase, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig(env);
  const database = await openDatabase(databaseOf(config));
  try {
    return await fn(database, config);
  } finally {
    await database.stores.database.close();
  }
}

export async function migrateCommand(env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  await withDatabase(env, async (database, config) => io.out(`migrated ${describe(config, database)}`));
  return 0;
}

export async function exportRulesCommand(env: NodeJS.ProcessEnv, io: Io, out: string | undefined): Promise<number> {
  const json = await withDatabase(env, async ({ stores, defaultRules }) => {
    const rules = new RuleService(stores.rules, defaultRules, () => new Date());
    await rules.reload();
    return { exportedAt: new Date().toISOString(), rules: rules.exportRules() };
  });
  const text = `${JSON.stringify(json, null, 2)}\n`;
  if (out === undefined || out === '-') process.stdout.write(text);
  else {
    await writeFile(out, text);
    io.err(`exported ${json.rules.length} custom rule(s) to ${out}`);
  }
  return 0;
}

async function readInput(file: string): Promise<string> {
  if (file !== '-') return readFile(file, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function importRulesCommand(env: NodeJS.ProcessEnv, io: Io, file: string, mode: string): Promise<number> {
  if (mode !== 'merge' && mode !== 'replace') throw new UsageError(`--mode must be merge or replace, got "${mode}"`);
  let input: unknown;
  try {
    input = JSON.parse(await readInput(file));
  } catch (error) {
    io.err(`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid JSON (${(error as Error).message})`}`);
    return 1;
  }
  return withDatabase(env, async (database, config) => {
    const result = await new RuleService(database.stores.rules, database.defaultRules, () => new Date()).importRules(input, mode);
    if (!result.ok) {
      io.err(`${file}: nothing imported; the rules are refused:`);
      for (const [path, message] of Object.entries(result.errors)) io.err(`  ${path}: ${message}`);
      return 1;
    }
    io.out(`imported ${result.rules.length} rule(s) into ${describe(config, database)} (${mode})`);
    return 0;
  });
}
