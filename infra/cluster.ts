import { Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';

// Added to the Jobctl construct's own scope, so the resources keep their logical IDs (see state-table.ts).

/**
 * The tasks' ECS cluster. Container Insights v2
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cloudwatch-container-insights.html) is opt-in, as its
 * metrics are billed per task-definition family (AWS-AUDIT.md F8).
 */
export function createCluster(scope: Construct, vpc: ec2.IVpc, containerInsights: boolean): ecs.Cluster {
  const cluster = new ecs.Cluster(scope, 'Cluster', {
    vpc,
    containerInsightsV2: containerInsights ? ecs.ContainerInsights.ENABLED : ecs.ContainerInsights.DISABLED,
  });
  if (!containerInsights) {
    Validations.of(cluster).acknowledge({
      id: 'AwsSolutions-ECS4',
      reason:
        'Container Insights is opt-in (the containerInsights prop): its metrics cost $0.30 per metric-month per ' +
        "task-definition family that ran; task exits, logs and the controllers' metrics are kept without it.",
    });
  }
  return cluster;
}
