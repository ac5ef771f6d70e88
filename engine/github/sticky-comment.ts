// One PR comment that pcq keeps up to date (the plan comment, the decision log): found by a hidden
// marker in its body, so a re-run edits it instead of adding another.
import type { IssueComment, Scm } from './scm.ts';

export const PLAN_MARKER = '<!-- pcq:plan -->';

export async function upsertStickyComment(scm: Scm, issueNumber: number, marker: string, body: string): Promise<{ comment: IssueComment; created: boolean }> {
  const text = body.includes(marker) ? body : `${marker}\n${body}`;
  const existing = (await scm.listIssueComments(issueNumber)).find((c) => c.body.includes(marker));
  if (existing) {
    if (existing.body === text) return { comment: existing, created: false };
    return { comment: await scm.updateIssueComment(existing.id, text), created: false };
  }
  return { comment: await scm.createIssueComment(issueNumber, text), created: true };
}
