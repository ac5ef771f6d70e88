// The job graph record `pcq compile --target github-actions` produces (plan/jobs.ts computes it,
// github/compile-workflow.ts writes it as workflow jobs, run/run-job.ts executes one job of it).
// A record type, so the writer in github/ depends on the model, not on the planner.

export interface Job {
  id: string;
  /** Step ids in plan order. */
  steps: string[];
  /** Jobs whose steps this job's steps need (sorted). */
  needs: string[];
}

export interface JobGraph {
  jobs: Job[]; // in a valid order (every job after the jobs it needs)
  /** The job of each step. */
  jobOf: Record<string, string>;
}

/** The final job that chains, signs and seals the run. */
export const SEAL_JOB = 'seal';
