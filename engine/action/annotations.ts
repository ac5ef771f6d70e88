// Validation issues → GitHub annotations at file:line:col. Sent as workflow commands through
// @actions/core (`::error file=…,line=…,col=…::message`), which needs no `checks: write` token
// permission and shows on the PR's "Files changed" tab at the exact line.
import { isError, type PcqIssue } from '../base/errors.ts';

export interface AnnotationProperties {
  title?: string;
  file?: string;
  startLine?: number;
  startColumn?: number;
}

/** The two @actions/core functions used; passed in so tests can capture what would be sent. */
export interface AnnotationSink {
  error(message: string, properties?: AnnotationProperties): void;
  warning(message: string, properties?: AnnotationProperties): void;
}

// GitHub shows at most 10 error and 10 warning annotations per step; the rest still reach the log.
export const ANNOTATIONS_PER_LEVEL = 10;

export interface Annotation {
  level: 'error' | 'warning';
  message: string;
  properties: AnnotationProperties;
}

/** Pure: one annotation per issue; file paths made relative to the workspace (GitHub needs that). */
export function toAnnotations(issues: readonly PcqIssue[], workspace: string): Annotation[] {
  const prefix = workspace.endsWith('/') ? workspace : `${workspace}/`;
  return issues.map((issue) => {
    const properties: AnnotationProperties = { title: issue.code };
    if (issue.location) {
      properties.file = issue.location.file.startsWith(prefix) ? issue.location.file.slice(prefix.length) : issue.location.file;
      properties.startLine = issue.location.line;
      properties.startColumn = issue.location.col;
    }
    const message = issue.hint ? `${issue.message}\n${issue.hint}` : issue.message;
    return { level: isError(issue) ? 'error' : 'warning', message, properties };
  });
}

export function emitAnnotations(issues: readonly PcqIssue[], workspace: string, sink: AnnotationSink): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const a of toAnnotations(issues, workspace)) {
    if (a.level === 'error') errors++;
    else warnings++;
    sink[a.level](a.message, a.properties);
  }
  return { errors, warnings };
}
