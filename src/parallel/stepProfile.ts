/**
 * Where a data-parallel step's time goes, summed over steps: the wall time of each phase on
 * the calling thread, and what the threads' tasks did within them (wall time of each part,
 * and the threads' CPU time and run-queue wait where Linux reports them: threadClock.ts).
 * Idle time (messaging, waiting for the slower shard) is what the phases' wall time times the
 * thread count leaves over.
 */
export interface StepProfile {
  steps: number;
  /** wall ms of whole steps, as `step` took them */
  stepMs: number;
  /** wall ms from dealing out the gradient tasks to the last one's answer */
  gradientPhaseMs: number;
  /** wall ms of the update tasks */
  updatePhaseMs: number;
  /** task ms, all threads: copying the shared weights into a replica */
  loadMs: number;
  /** task ms, all threads: forward and backward pass of the shards */
  gradientsMs: number;
  /** task ms, all threads: copying gradients and BatchNorm statistics out to the slots */
  copyOutMs: number;
  /** task ms, all threads: averaging the slots and the Adam update */
  updateMs: number;
  /** CPU ms and run-queue wait ms of the gradient tasks, all threads (0 where not reported) */
  gradientCpuMs: number;
  gradientWaitMs: number;
  /** the same for the update tasks */
  updateCpuMs: number;
  updateWaitMs: number;
}

/** The times a thread reports with a task's answer. */
export type TaskTimes = Partial<Omit<StepProfile, 'steps' | 'stepMs' | 'gradientPhaseMs' | 'updatePhaseMs'>>;

export const emptyProfile = (): StepProfile => ({
  steps: 0,
  stepMs: 0,
  gradientPhaseMs: 0,
  updatePhaseMs: 0,
  loadMs: 0,
  gradientsMs: 0,
  copyOutMs: 0,
  updateMs: 0,
  gradientCpuMs: 0,
  gradientWaitMs: 0,
  updateCpuMs: 0,
  updateWaitMs: 0,
});

/** Adds a task's times to `profile`. */
export function addTaskTimes(profile: StepProfile, times: TaskTimes): void {
  for (const [key, ms] of Object.entries(times) as [keyof TaskTimes, number][]) profile[key] += ms;
}

/**
 * Lines in ms per step: each phase's wall time, and within it, per thread, each part's task
 * time and the idle rest; then the threads' CPU time and run-queue wait, when reported.
 */
export function describeProfile(p: StepProfile, threads: number): string[] {
  const per = (ms: number) => (ms / Math.max(1, p.steps)).toFixed(1);
  const perThread = (ms: number) => per(ms / threads);
  const gradientIdle = p.gradientPhaseMs * threads - p.loadMs - p.gradientsMs - p.copyOutMs;
  const updateIdle = p.updatePhaseMs * threads - p.updateMs;
  const other = p.stepMs - p.gradientPhaseMs - p.updatePhaseMs;
  const lines = [
    `step ${per(p.stepMs)} ms (wall, mean of ${p.steps}); per thread:`,
    `  gradient phase ${per(p.gradientPhaseMs)} ms: load weights ${perThread(p.loadMs)}, ` +
      `forward+backward ${perThread(p.gradientsMs)}, copy out ${perThread(p.copyOutMs)}, idle ${perThread(gradientIdle)}`,
    `  update phase ${per(p.updatePhaseMs)} ms: average+Adam ${perThread(p.updateMs)}, idle ${perThread(updateIdle)}`,
    `  rest of the step (splitting the batch) ${per(other)} ms`,
  ];
  if (p.gradientCpuMs > 0) {
    lines.push(
      `  CPU in gradient tasks ${perThread(p.gradientCpuMs)} ms (waited for a core ${perThread(p.gradientWaitMs)}), ` +
        `in update tasks ${perThread(p.updateCpuMs)} ms (waited ${perThread(p.updateWaitMs)})`,
    );
  }
  return lines;
}
