import type { KubeObject } from './types.ts';

/**
 * Who owns an object's desired state. Objects declared in a CDK stack's config file carry
 * `jobctl.dev/managed-by: cdk/<stack name>`: `cdk deploy` writes them and their EventBridge schedules (CloudFormation
 * resources), and `jobctl` leaves their spec to the file, except `spec.suspend` (an operational switch, see
 * docs/design-notes.md "Who owns what on AWS"). Objects without it belong to whoever applied them with `jobctl`.
 */
export const managedByAnnotation = 'jobctl.dev/managed-by';

/** The annotation value of objects declared in stack `stackName`. */
export function stackManager(stackName: string): string {
  return `cdk/${stackName}`;
}

/** The stack that declares `obj`, when a stack does. */
export function declaringStack(obj: Pick<KubeObject, 'metadata'>): string | undefined {
  const value = obj.metadata.annotations?.[managedByAnnotation];
  return value?.startsWith('cdk/') ? value.slice('cdk/'.length) : undefined;
}
