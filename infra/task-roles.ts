import { Stack, Validations } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { nagResourceId, roleOf } from './nag-id.ts';

// Added to the Jobctl construct's own scope, so the resources keep their logical IDs (see state-table.ts).

/**
 * The execution role (the ECS agent: image pulls, the tasks' log writes, the Docker Hub secret if any) and the task
 * role the containers run with, which has no permissions.
 */
export function createTaskRoles(
  scope: Construct,
  deps: { taskLogGroup: logs.ILogGroup; dockerHubCredentials: secretsmanager.ISecret | undefined },
): { executionRole: iam.Role; taskRole: iam.Role } {
  const account = Stack.of(scope).account;
  // Confused-deputy guard (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html).
  const ecsTasks = () =>
    new iam.ServicePrincipal('ecs-tasks.amazonaws.com').withConditions({
      StringEquals: { 'aws:SourceAccount': account },
    });
  const executionRole = new iam.Role(scope, 'TaskExecutionRole', {
    assumedBy: ecsTasks(),
    description: 'jobctl: ECS agent pulls task images and writes task logs',
  });
  deps.taskLogGroup.grantWrite(executionRole);
  // What AmazonECSTaskExecutionRolePolicy grants for ECR, without its `*` on every repository action
  // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html).
  const repositories = Stack.of(scope).formatArn({ service: 'ecr', resource: 'repository', resourceName: '*' });
  executionRole.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
      resources: [repositories],
    }),
  );
  executionRole.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
  );
  Validations.of(executionRole).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'ecr:GetAuthorizationToken supports no resource-level permissions; AWS requires Resource "*".',
  });
  Validations.of(executionRole).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagResourceId(scope, repositories)}]`,
    reason:
      'Pod templates may name any private ECR image of this account and Region, ' +
      'and jobctl apply adds CronJobs after deploy.',
  });
  deps.dockerHubCredentials?.grantRead(executionRole);
  const taskRole = new iam.Role(scope, 'TaskRole', {
    assumedBy: ecsTasks(),
    description: 'jobctl: role the jobs containers run with (no permissions by default)',
  });
  return { executionRole, taskRole };
}

/**
 * RunTask/StopTask/DescribeTasks on this cluster's tasks of `<prefix>-*` families, ListTasks of this cluster, task
 * definition registration, tagging on create, and iam:PassRole for the two task roles only.
 * Resources and condition keys:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html
 */
export function grantTaskLaunch(
  scope: Construct,
  fn: NodejsFunction,
  deps: { cluster: ecs.ICluster; taskFamilyPrefix: string; taskExecutionRole: iam.IRole; taskRole: iam.IRole },
): void {
  const stack = Stack.of(scope);
  const families = stack.formatArn({
    service: 'ecs',
    resource: 'task-definition',
    resourceName: `${deps.taskFamilyPrefix}-*`,
  });
  const tasks = stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${deps.cluster.clusterName}/*` });
  const clusterCondition = { ArnEquals: { 'ecs:cluster': deps.cluster.clusterArn } };
  fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['ecs:RunTask'], resources: [families], conditions: clusterCondition }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['ecs:StopTask', 'ecs:DescribeTasks'],
      resources: [tasks],
      conditions: clusterCondition,
    }),
  );
  // Tags on RunTask need ecs:TagResource, limited to that create action (task definitions are registered untagged)
  // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/supported-iam-actions-tagging.html).
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['ecs:TagResource'],
      resources: [tasks],
      conditions: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
    }),
  );
  // The resync's orphan sweep lists the cluster's tasks. A ListTasks without a container instance (every Fargate
  // list) is authorized on Resource "*", scoped by the ecs:cluster condition key — not on the container-instance
  // resource type the service authorization reference names, which denies it (AWS-AUDIT.md F2; cdklabs/construct-
  // hub#1207).
  fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['ecs:ListTasks'], resources: ['*'], conditions: clusterCondition }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['ecs:RegisterTaskDefinition', 'ecs:DescribeTaskDefinition'],
      resources: ['*'],
    }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: [deps.taskExecutionRole.roleArn, deps.taskRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    }),
  );
  const acknowledge = (resource: string, reason: string) =>
    Validations.of(roleOf(fn)).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
  acknowledge(
    '*',
    'ecs:RegisterTaskDefinition and ecs:DescribeTaskDefinition support no resource-level permissions; AWS requires ' +
      'Resource "*". Task definitions are registered on demand from each pod template. ecs:ListTasks of a whole ' +
      'Fargate cluster is authorized on "*" too, limited to this cluster by the ecs:cluster condition.',
  );
  acknowledge(
    nagResourceId(scope, families),
    'Task definition families are content-hashed per pod template (`<prefix>-<image>-<hash>`) and registered at run ' +
      'time; the prefix limits RunTask to jobctl families, and the ecs:cluster condition to this cluster.',
  );
  acknowledge(
    nagResourceId(scope, tasks),
    'Task ids are assigned by ECS at launch; the ARN pattern limits StopTask/DescribeTasks to tasks of this cluster.',
  );
}
