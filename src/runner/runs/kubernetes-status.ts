/**
 * A Kubernetes run's state from its Job and its pods, in a run's words: a
 * pending pod is queued (with the scheduler's reason), a node lost or a
 * container killed is failed with the cluster's reason. Pure: recorded API
 * answers in, states out.
 */
import type { RunStatus } from './backend.js';
import { finalStates, type RunState, type TaskRecord } from './record.js';

export interface Pod {
  metadata: { name: string; annotations?: Record<string, string> };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: { state?: { waiting?: { reason?: string; message?: string }; running?: { startedAt?: string }; terminated?: { exitCode: number; reason?: string; message?: string; startedAt?: string; finishedAt?: string } } }[];
  };
}

export interface Job {
  status?: { active?: number; startTime?: string; completionTime?: string; conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[] };
}

export const podIndex = (pod: Pod) => Number(pod.metadata.annotations?.['batch.kubernetes.io/job-completion-index'] ?? 0);

/** One pod's state in a run's words. */
export function podState(pod: Pod): Pick<TaskRecord, 'state' | 'exitCode' | 'reason'> {
  const container = pod.status?.containerStatuses?.[0]?.state;
  const ended = container?.terminated;
  if (ended) return ended.exitCode === 0 ? { state: 'succeeded', exitCode: 0 } : { state: 'failed', exitCode: ended.exitCode, reason: ended.reason && ended.reason !== 'Error' ? `${ended.reason} (exit code ${ended.exitCode})` : `exit code ${ended.exitCode}` };
  if (pod.status?.phase === 'Failed') return { state: 'failed', reason: `${pod.status.reason ?? 'the pod failed'}${pod.status.message ? `: ${pod.status.message}` : ''}` };
  if (pod.status?.phase === 'Running') return { state: 'running' };
  const unscheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  const waiting = container?.waiting;
  return { state: 'queued', reason: unscheduled ? `${unscheduled.reason}: ${unscheduled.message ?? ''}`.trim() : waiting?.reason ? `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}` : undefined };
}

/** The run's status from its Job and pods; undefined job: deleted outside ml-project. */
export function jobStatus(job: Job | undefined, pods: Pod[], configs: readonly string[]): RunStatus {
  if (!job) return { state: 'failed', reason: 'its Job is gone from the cluster (deleted outside ml-project)' };
  const condition = (type: string) => job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
  const tasks = Array.from({ length: Math.max(1, configs.length) }, (_, index): TaskRecord => {
    const own = pods.filter((p) => podIndex(p) === index);
    return { index, config: configs[index] ?? '', ...(own.length ? podState(own.at(-1)!) : { state: 'queued' as RunState }) };
  });
  const failedTask = tasks.find((t) => t.state === 'failed');
  const times = { startedAt: job.status?.startTime, endedAt: job.status?.completionTime ?? condition('Failed')?.lastTransitionTime };
  const withTasks = configs.length ? { tasks } : {};
  if (condition('Complete')) return { state: 'succeeded', exitCode: 0, ...times, ...withTasks };
  const failed = condition('Failed');
  if (failed) {
    const reason = failedTask?.reason ?? `${failed.reason ?? 'failed'}${failed.message ? `: ${failed.message}` : ''}`;
    return { state: 'failed', exitCode: failedTask?.exitCode, reason: configs.length && failedTask ? `task ${failedTask.index} (${failedTask.config}): ${reason}` : reason, ...times, ...withTasks };
  }
  const state: RunState = tasks.some((t) => t.state === 'running' || finalStates.has(t.state)) ? 'running' : 'queued';
  return { state, reason: state === 'queued' ? tasks.find((t) => t.reason)?.reason : undefined, startedAt: job.status?.startTime, ...withTasks };
}
