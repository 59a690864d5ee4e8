import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The string cdk-nag shows for a policy resource in a finding id such as `AwsSolutions-IAM5[Resource::<it>]`:
 * the resolved CloudFormation value with `Ref` as `<Id>`, `Fn::GetAtt` as `<Id.Attr>` and `Fn::Join` joined
 * (cdk-nag's `flattenCfnReference`). Used to acknowledge one exact wildcard rather than the whole rule.
 */
export function nagResourceId(scope: IConstruct, value: string): string {
  return flatten(Stack.of(scope).resolve(value));
}

function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const o = node as Record<string, unknown>;
    if (Array.isArray(o['Fn::Join'])) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if (o['Fn::Sub'] !== undefined) return flatten(o['Fn::Sub']);
    if (Array.isArray(o['Fn::GetAtt'])) {
      const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if (o['Fn::ImportValue'] !== undefined) return flatten(o['Fn::ImportValue']);
    if (o['Ref'] !== undefined) return `<${flatten(o['Ref'])}>`;
  }
  return JSON.stringify(node);
}

/** The role the construct created for `fn` (its policy is where the findings are). */
export function roleOf(fn: lambda.IFunction): iam.IRole {
  if (fn.role === undefined) throw new Error(`Jobctl: function ${fn.node.path} has no role`);
  return fn.role;
}
