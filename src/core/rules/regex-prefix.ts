// The fixed text a regex requires its value to start with, so that the rule index can file a regex rule like a
// prefix rule: `^Tea 12( large)?$` can only match values starting with "Tea 12". Conservative: any doubt, no prefix.

/** characters that stand for themselves in RE2 outside a class */
const PLAIN = /[A-Za-z0-9 _\-:,/=@#%&'"!~<>;\u0080-\ud7ff\ue000-\uffff]/; // no surrogates: never half a character
/** after a backslash: punctuation escaped to stand for itself (not \d, \w, \b, ...) */
const ESCAPED = /[.\\^$|?*+()[\]{}\-/]/;

/**
 * The literal start of an anchored pattern, or null. Patterns with an alternation anywhere are refused (`^a|b`
 * also matches "xb"), and so are flags (`(?i)`), which come before the anchor or right after it.
 */
export function literalPrefix(pattern: string): string | null {
  if (!pattern.startsWith('^') || pattern.includes('|')) return null;
  let prefix = '';
  let i = 1;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length && ESCAPED.test(pattern[i + 1]!)) {
      prefix += pattern[i + 1];
      i += 2;
    } else if (PLAIN.test(c)) {
      prefix += c;
      i += 1;
    } else break;
  }
  // a quantifier that allows zero of the last character takes it back out of what is required
  const next = pattern[i];
  if (next === '?' || next === '*' || next === '{') prefix = prefix.slice(0, -1);
  return prefix === '' ? null : prefix;
}
