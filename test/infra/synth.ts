import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Jobctl, type JobctlProps } from '../../infra/jobctl-construct.ts';

/** Stand-in entry: bundling is skipped in these tests, and functions/*.ts belong to another change. */
export const STUB_ENTRY = 'test/infra/fixtures/handler-stub.ts';
export const FIXTURES = 'test/infra/fixtures';
/** The stack's default manifests (cdk.json `jobctl:manifests`). */
export const EXAMPLES = 'examples/hello,examples/cronjobs,examples/jobs';

/** A fast app: no Lambda bundling, no built-in CloudFormation validation (TOOLCHAIN.md §2). */
export function fastApp(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
}

/** A stack holding one Jobctl with stub entries; `props` override. */
export function synthJobctl(
  props: Partial<JobctlProps> = {},
  configure?: (stack: Stack) => Partial<JobctlProps>,
): {
  stack: Stack;
  jobctl: Jobctl;
  template: Template;
} {
  const stack = new Stack(fastApp(), 'Test');
  const jobctl = new Jobctl(stack, 'Jobctl', {
    manifests: EXAMPLES,
    dispatcherEntry: STUB_ENTRY,
    jobControllerEntry: STUB_ENTRY,
    manifestsEntry: STUB_ENTRY,
    ...props,
    ...configure?.(stack),
  });
  return { stack, jobctl, template: Template.fromStack(stack) };
}

type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };

/** Every Allow statement of every IAM policy in the template, with the logical id of its policy. */
export function policyStatements(template: Template): Array<Statement & { policy: string }> {
  const out: Array<Statement & { policy: string }> = [];
  for (const [policy, resource] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    const statements = (resource as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties
      .PolicyDocument.Statement;
    for (const s of statements) out.push({ ...s, policy });
  }
  return out;
}

export function actionsOf(s: Statement): string[] {
  return Array.isArray(s.Action) ? s.Action : [s.Action];
}

export function resourcesOf(s: Statement): unknown[] {
  return Array.isArray(s.Resource) ? s.Resource : [s.Resource];
}
