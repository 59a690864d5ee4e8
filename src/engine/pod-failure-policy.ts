import type { ContainerStatus, Job, Pod, PodFailurePolicy, PodFailurePolicyAction } from '../spec/types.ts';

/** What a Job's `podFailurePolicy` makes of one failed pod. */
export interface PodFailurePolicyMatch {
  /** The matching rule's action; undefined when no rule matched (the pod is counted, as `Count`). */
  action?: PodFailurePolicyAction;
  /** Whether the pod counts towards `backoffLimit` (and the pod re-creation back-off): false only for `Ignore`. */
  countFailed: boolean;
  /** `FailJob`: the Job's failure message, Kubernetes' words. */
  failJobMessage?: string;
}

/**
 * Kubernetes `matchPodFailurePolicy` (pkg/controller/job/pod_failure_policy.go): the first rule whose requirement a
 * failed pod meets decides.
 * - `onExitCodes`: some container (the named one, when `containerName` is set) terminated with a non-zero exit code
 *   that is (`In`) or is not (`NotIn`) in `values`;
 * - `onPodConditions`: the pod has a condition of that type and status (jobctl sets only `DisruptionTarget`).
 * `FailJob` fails the Job (reason `PodFailurePolicy`), `FailIndex` fails the pod's index, `Ignore` does not count the
 * pod, `Count` counts it as if there were no policy. No policy, or no rule matching: counted, no action.
 *
 * @example matchPodFailurePolicy(job.spec.podFailurePolicy, pod).countFailed // false when an Ignore rule matched
 */
export function matchPodFailurePolicy(policy: PodFailurePolicy | undefined, pod: Pod): PodFailurePolicyMatch {
  if (policy === undefined) return { countFailed: true };
  for (const [index, rule] of policy.rules.entries()) {
    let failJobMessage: string | undefined;
    if (rule.onExitCodes !== undefined) {
      const container = matchOnExitCodes(pod, rule.onExitCodes);
      if (container === undefined) continue;
      failJobMessage =
        `Container ${container.name} for pod ${pod.metadata.namespace}/${pod.metadata.name} failed with exit code ` +
        `${container.state.terminated?.exitCode} matching ${rule.action} rule at index ${index}`;
    } else if (rule.onPodConditions !== undefined) {
      const condition = (pod.status.conditions ?? []).find((c) =>
        (rule.onPodConditions ?? []).some((p) => p.type === c.type && p.status === c.status),
      );
      if (condition === undefined) continue;
      failJobMessage =
        `Pod ${pod.metadata.namespace}/${pod.metadata.name} has condition ${condition.type} matching ` +
        `${rule.action} rule at index ${index}`;
    } else {
      continue;
    }
    switch (rule.action) {
      case 'Ignore':
        return { action: 'Ignore', countFailed: false };
      case 'FailIndex':
      case 'Count':
        return { action: rule.action, countFailed: true };
      case 'FailJob':
        return { action: 'FailJob', countFailed: true, failJobMessage };
      default:
        // "Clients should react to an unknown action by skipping the rule."
        continue;
    }
  }
  return { countFailed: true };
}

/**
 * Kubernetes `getFailJobMessage`: the message of the first failed pod that matches a `FailJob` rule, in pod order.
 */
export function failJobMessageOf(job: Job, failedPods: readonly Pod[]): string | undefined {
  const policy = job.spec.podFailurePolicy;
  if (policy === undefined) return undefined;
  for (const pod of failedPods) {
    const message = matchPodFailurePolicy(policy, pod).failJobMessage;
    if (message !== undefined) return message;
  }
  return undefined;
}

/** Kubernetes `matchOnExitCodes`: the first container terminated non-zero whose exit code meets the requirement. */
function matchOnExitCodes(
  pod: Pod,
  requirement: NonNullable<PodFailurePolicy['rules'][number]['onExitCodes']>,
): ContainerStatus | undefined {
  return (pod.status.containerStatuses ?? []).find((cs) => {
    if (requirement.containerName !== undefined && requirement.containerName !== cs.name) return false;
    const exitCode = cs.state.terminated?.exitCode;
    if (exitCode === undefined || exitCode === 0) return false;
    const isIn = requirement.values.includes(exitCode);
    return requirement.operator === 'In' ? isIn : !isIn;
  });
}
