import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseRule } from '../core/rules/schema.ts';
import type { Rule } from '../core/rules/types.ts';

/** rules/ at the top of the project, wherever the process was started */
export const DEFAULT_RULES_DIR = fileURLToPath(new URL('../../rules/', import.meta.url));

export class DefaultRulesError extends Error {}

/** Reads and validates every rules/*.json; a broken file stops the start with its name and the messages. */
export async function loadDefaultRules(dir = DEFAULT_RULES_DIR): Promise<Rule[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  const rules: Rule[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(`${dir}/${name}`, 'utf8'));
    } catch (error) {
      throw new DefaultRulesError(`rules/${name}: not valid JSON (${(error as Error).message})`);
    }
    const parsed = parseRule(json, {
      now: new Date(0),
      newId: () => name.replace(/\.json$/, ''),
    });
    if (!parsed.ok) {
      const messages = Object.entries(parsed.errors).map(([key, message]) => `${key}: ${message}`);
      throw new DefaultRulesError(`rules/${name}: ${messages.join('; ')}`);
    }
    if (seen.has(parsed.rule.id)) throw new DefaultRulesError(`rules/${name}: the id ${parsed.rule.id} is used twice`);
    seen.add(parsed.rule.id);
    rules.push(parsed.rule);
  }
  return rules;
}
