/** A Kubernetes run's state from its Job and pods: each pod state a row. */
import { describe, expect, it } from 'vitest';
import { jobStatus, podState, type Pod } from '../../src/runner/runs/kubernetes-status.js';

const pod = (status: Pod['status'], index = 0): Pod => ({ metadata: { name: `p-${index}`, annotations: { 'batch.kubernetes.io/job-completion-index': String(index) } }, status });
const terminated = (exitCode: number, reason?: string) => ({ phase: exitCode ? 'Failed' : 'Succeeded', containerStatuses: [{ state: { terminated: { exitCode, reason } } }] });

describe('podState', () => {
  it.each([
    [{ phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "r/i@sha256:1"' } } }] }, { state: 'queued', reason: 'ImagePullBackOff: Back-off pulling image "r/i@sha256:1"' }],
    [{ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/2 nodes are available' }] }, { state: 'queued', reason: 'Unschedulable: 0/2 nodes are available' }],
    [{ phase: 'Running', containerStatuses: [{ state: { running: {} } }] }, { state: 'running' }],
    [terminated(0, 'Completed'), { state: 'succeeded', exitCode: 0 }],
    [terminated(137, 'OOMKilled'), { state: 'failed', exitCode: 137, reason: 'OOMKilled (exit code 137)' }],
    [terminated(2, 'Error'), { state: 'failed', exitCode: 2, reason: 'exit code 2' }],
    [{ phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' }, { state: 'failed', reason: 'Evicted: The node was low on resource: memory.' }],
  ] as const)('%j', (status, expected) => {
    expect(podState(pod(status as Pod['status']))).toEqual(expected);
  });
});

describe('jobStatus', () => {
  const failed = { status: { conditions: [{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' }] } };

  it('a Job failed with no pod left to say why: the Job\'s condition', () => {
    expect(jobStatus(failed, [], [])).toMatchObject({ state: 'failed', reason: 'DeadlineExceeded: Job was active longer than specified deadline' });
  });

  it('an Indexed Job: one state per experiment file, the failing task named', () => {
    const configs = ['a.yml', 'b.yml', 'c.yml'];
    const running = jobStatus({ status: { active: 2 } }, [pod(terminated(0), 0), pod({ phase: 'Running' }, 1)], configs);
    expect(running.state).toBe('running');
    expect(running.tasks!.map((t) => t.state)).toEqual(['succeeded', 'running', 'queued']);
    const over = jobStatus(failed, [pod(terminated(0), 0), pod(terminated(3), 1), pod(terminated(0), 2)], configs);
    expect(over).toMatchObject({ state: 'failed', exitCode: 3, reason: 'task 1 (b.yml): exit code 3' });
  });
});
