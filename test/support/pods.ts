import { podForJob } from '../../src/engine/pod-template.ts';
import type { Container, Pod, RestartPolicy } from '../../src/spec/types.ts';
import { aBatchJob, at } from './builders.ts';
import type { TaskDefinitionSettings } from '../../src/adapters/ecs/ecs-task-definitions.ts';

export const T0 = at('2024-03-01T12:00:00Z');

/** Deployment settings as the stack would pass them. */
export const settings: TaskDefinitionSettings = {
  executionRoleArn: 'arn:aws:iam::111122223333:role/jobctl-execution',
  taskRoleArn: 'arn:aws:iam::111122223333:role/jobctl-task',
  logGroup: '/jobctl/tasks',
  logRegion: 'us-west-2',
};

/** A Pending pod of a `hello` Job (default namespace) whose one container is `container`. */
export function aPod(
  container: Partial<Container> = {},
  o: {
    index?: number;
    restartPolicy?: RestartPolicy;
    jobName?: string;
    grace?: number;
    nodeSelector?: Record<string, string>;
  } = {},
): Pod {
  const job = aBatchJob({
    name: o.jobName ?? 'hello-28433000',
    uid: 'a1b2c3d4-0000-4000-8000-000000000001',
    restartPolicy: o.restartPolicy ?? 'Never',
    ...(o.index === undefined ? {} : { completionMode: 'Indexed', completions: 3 }),
  });
  job.spec.template.spec.containers = [
    { name: 'hello', image: 'public.ecr.aws/docker/library/busybox:1.36', ...container },
  ];
  if (o.grace !== undefined) job.spec.template.spec.terminationGracePeriodSeconds = o.grace;
  if (o.nodeSelector !== undefined) job.spec.template.spec.nodeSelector = o.nodeSelector;
  return podForJob(job, 0, T0, o.index);
}
