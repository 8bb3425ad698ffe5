// The JUnit XML a CI pipeline reads: one suite, one test case per case (design: "Contract additions").
import type { CaseState } from './types.ts';

export interface JunitItem {
  id: string;
  title: string;
  state: CaseState;
  reason: string | null;
}

function escape(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

export function renderJunit(items: readonly JunitItem[]): string {
  const failures = items.filter((i) => i.state === 'failed' || i.state === 'waiting').length;
  const skipped = items.filter((i) => i.state === 'not_started').length;
  const cases = items.map((item) => {
    const open = `  <testcase classname="mapi-mock" name="${escape(`${item.id}: ${item.title}`)}"`;
    switch (item.state) {
      case 'passed':
        return `${open}/>`;
      case 'failed':
        return `${open}>\n    <failure message="${escape(item.reason ?? 'failed')}"/>\n  </testcase>`;
      case 'waiting':
        return `${open}>\n    <failure message="not passed yet"/>\n  </testcase>`;
      case 'not_started':
        return `${open}>\n    <skipped/>\n  </testcase>`;
    }
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuite name="mapi-mock test cases" tests="${items.length}" failures="${failures}" errors="0" skipped="${skipped}">`,
    ...cases,
    '</testsuite>',
    '',
  ].join('\n');
}
