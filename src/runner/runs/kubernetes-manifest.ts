/**
 * A run on Kubernetes as a batch/v1 Job: one pod (an Indexed Job of one pod
 * per experiment file for a sweep), the image the runner pushed, the GPU
 * limit, the target's node selector, tolerations and pull secret. Pure; the
 * manifest is what --dry-run prints and what the API gets.
 *
 * The pod has no volume to bring outputs back from, so after the command its
 * wrapper writes them into its own log as one base64 tar.gz between two
 * marker lines (up to a limit), and fetch reads them from there.
 */
import { sh } from '../../shared/escape.js';
import type { RunPlan } from './backend.js';
import type { KubernetesTarget } from './targets.js';

export const OUTPUTS_BEGIN = 'ml-project-outputs-begin';
export const OUTPUTS_END = 'ml-project-outputs-end';
export const OUTPUTS_TOO_LARGE = 'ml-project-outputs-too-large';
/** Below the kubelet's default log rotation (10 MiB), after base64's third. */
export const OUTPUTS_LIMIT_BYTES = 6 * 1024 * 1024;

/** `<project>-<run id>`, cut to a DNS label (63 characters, lowercase). */
export function jobName(project: string, id: string): string {
  const base = project.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+/, '').slice(0, 62 - id.length).replace(/-+$/, '');
  return `${base || 'run'}-${id}`;
}

/** The pod's command: the run's command, its exit code kept, then the outputs into the log. */
export function wrapperScript(plan: Pick<RunPlan, 'outputs' | 'sweep'>): string {
  const lines = ['set -u'];
  if (plan.sweep.length) {
    lines.push('case "${JOB_COMPLETION_INDEX:-0}" in', ...plan.sweep.map((file, i) => `  ${i}) ML_PROJECT_CONFIG=${sh(file)} ;;`), '  *) echo "ml-project: no experiment file for index $JOB_COMPLETION_INDEX" >&2; exit 1 ;;', 'esac', 'export ML_PROJECT_CONFIG', 'set -- "$@" "$ML_PROJECT_CONFIG"');
  }
  lines.push(
    '"$@"',
    'code=$?',
    'set --',
    `for p in ${plan.outputs.map(sh).join(' ')}; do [ -e "$p" ] && set -- "$@" "$p"; done`,
    'if [ "$#" -gt 0 ]; then',
    '  size=$(tar -czf - "$@" | wc -c)',
    `  if [ "$size" -le ${OUTPUTS_LIMIT_BYTES} ]; then echo; echo ${OUTPUTS_BEGIN}; tar -czf - "$@" | base64; echo ${OUTPUTS_END}`,
    `  else echo; echo "${OUTPUTS_TOO_LARGE} $size"; fi`,
    'fi',
    'exit "$code"',
  );
  return lines.join('\n');
}

export function jobManifest(plan: RunPlan, target: KubernetesTarget, image: string, namespace: string): Record<string, unknown> {
  const name = jobName(plan.project.name, plan.id);
  const labels = { 'app.kubernetes.io/name': jobName(plan.project.name, '').replace(/-$/, ''), 'app.kubernetes.io/managed-by': 'ml-project', 'ml-project/run': plan.id };
  const limits: Record<string, string> = {};
  const requests: Record<string, string> = {};
  if (plan.gpus > 0) limits['nvidia.com/gpu'] = String(plan.gpus);
  if (target.cpu) requests.cpu = limits.cpu = target.cpu;
  if (target.memory) requests.memory = limits.memory = target.memory;
  const count = plan.sweep.length;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace, labels, annotations: { 'ml-project/commit': plan.source.commit, 'ml-project/command': JSON.stringify(plan.command) } },
    spec: {
      backoffLimit: 0,
      ...(count ? { completionMode: 'Indexed', completions: count, parallelism: count } : {}),
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          ...(Object.keys(target.nodeSelector).length ? { nodeSelector: target.nodeSelector } : {}),
          ...(target.tolerations.length ? { tolerations: target.tolerations } : {}),
          ...(target.pullSecret ? { imagePullSecrets: [{ name: target.pullSecret }] } : {}),
          containers: [
            {
              name: 'run',
              image,
              workingDir: '/workspace',
              command: ['sh', '-c', wrapperScript(plan), 'ml-project-run', ...plan.command],
              env: Object.entries(plan.env).map(([k, value]) => ({ name: k, value })),
              ...(Object.keys(limits).length ? { resources: { limits, ...(Object.keys(requests).length ? { requests } : {}) } } : {}),
            },
          ],
        },
      },
    },
  };
}

/** A pod's log split into what the command printed and the outputs it carried. */
export function splitLog(log: string): { text: string; outputs?: Buffer; tooLarge?: number } {
  const begin = log.lastIndexOf(`\n${OUTPUTS_BEGIN}\n`);
  if (begin >= 0) {
    const end = log.indexOf(`\n${OUTPUTS_END}`, begin);
    if (end > begin) return { text: log.slice(0, begin).replace(/\n$/, '\n'), outputs: Buffer.from(log.slice(begin + OUTPUTS_BEGIN.length + 2, end).replace(/\s+/g, ''), 'base64') };
  }
  const large = new RegExp(`\\n${OUTPUTS_TOO_LARGE} (\\d+)\\n?$`).exec(log);
  if (large) return { text: log.slice(0, large.index + 1), tooLarge: Number(large[1]) };
  return { text: log };
}
