import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Jobctl, type JobctlProps } from './jobctl-construct.ts';

/** Properties of {@link JobctlStack}: the stack's own plus those of the {@link Jobctl} construct. */
export interface JobctlStackProps extends StackProps, JobctlProps {}

/**
 * A stack holding one {@link Jobctl}, with the outputs `jobctl --context aws` reads to find its resources.
 *
 * @example
 * new JobctlStack(app, 'Jobctl', { manifests: 'examples' });
 */
export class JobctlStack extends Stack {
  public readonly jobctl: Jobctl;

  constructor(scope: Construct, id: string, props: JobctlStackProps) {
    super(scope, id, props);
    this.jobctl = new Jobctl(this, 'Jobctl', props);
    const outputs: Record<string, [string, string]> = {
      TableName: [this.jobctl.table.tableName, 'State table (docs/state-table.md)'],
      ClusterArn: [this.jobctl.cluster.clusterArn, 'ECS cluster of the tasks'],
      TaskLogGroupName: [this.jobctl.taskLogGroup.logGroupName, 'CloudWatch Logs group of the tasks'],
      ScheduleGroupName: [this.jobctl.scheduleGroup.scheduleGroupName, 'EventBridge Scheduler group of the CronJobs'],
      DeadLetterQueueUrl: [this.jobctl.deadLetterQueue.queueUrl, 'Undeliverable schedule invocations and events'],
      DispatcherFunctionName: [this.jobctl.dispatcher.functionName, 'Dispatcher Lambda'],
      JobControllerFunctionName: [this.jobctl.jobController.functionName, 'Job controller Lambda'],
      NotificationTopicArn: [
        this.jobctl.notificationTopic.topicArn,
        'CronJob health transitions (Failing, Missed, Stuck, Recovered): subscribe email or chat here',
      ],
    };
    for (const [key, [value, description]] of Object.entries(outputs)) new CfnOutput(this, key, { value, description });
  }
}
