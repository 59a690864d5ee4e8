import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { JobctlProps } from './props.ts';

// Added to the Jobctl construct's own scope, so the resources keep their logical IDs (see state-table.ts).

/**
 * Two AZs. `nat`: a small public subnet per AZ for the one NAT gateway, and private-with-egress subnets for the
 * tasks. `public`: only public subnets, the tasks' (an internet gateway, no NAT gateway, tasks get a public IP).
 */
export function createNetwork(scope: Construct, logRetention: logs.RetentionDays, network: 'nat' | 'public'): ec2.Vpc {
  const vpc = new ec2.Vpc(scope, 'Vpc', {
    maxAzs: 2,
    natGateways: network === 'nat' ? 1 : 0,
    restrictDefaultSecurityGroup: false,
    subnetConfiguration:
      network === 'nat'
        ? [
            { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
            { name: 'tasks', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
          ]
        : [{ name: 'tasks', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 20, mapPublicIpOnLaunch: false }],
  });
  const flowLogs = new logs.LogGroup(scope, 'VpcFlowLogs', {
    retention: logRetention,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  vpc.addFlowLog('FlowLog', { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs) });
  return vpc;
}

/** The tasks' network: their VPC (`vpc`, or one created as `network` says), subnets and security groups. */
export function createTaskNetwork(
  scope: Construct,
  props: Pick<JobctlProps, 'vpc' | 'network' | 'subnets' | 'securityGroups'>,
  logRetention: logs.RetentionDays,
): { vpc: ec2.IVpc; subnets: ec2.SelectedSubnets; securityGroups: readonly ec2.ISecurityGroup[] } {
  const network = props.network ?? 'nat';
  const vpc = props.vpc ?? createNetwork(scope, logRetention, network);
  const publicSubnets = props.vpc === undefined && network === 'public';
  const subnets = vpc.selectSubnets(
    props.subnets ?? { subnetType: publicSubnets ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_WITH_EGRESS },
  );
  const securityGroups = props.securityGroups ?? [
    new ec2.SecurityGroup(scope, 'TaskSecurityGroup', {
      vpc,
      description: 'jobctl Fargate tasks: no inbound, all outbound (image pulls, AWS APIs)',
      allowAllOutbound: true,
    }),
  ];
  return { vpc, subnets, securityGroups };
}

/**
 * Whether tasks get a public IP (RunTask `assignPublicIp`): in the construct's `public` network, or with
 * `assignPublicIp`. Otherwise they go out through a NAT and share its IP (the construct's one NAT gateway).
 */
export function tasksGetPublicIp(props: Pick<JobctlProps, 'vpc' | 'network' | 'assignPublicIp'>): boolean {
  return props.vpc === undefined ? (props.network ?? 'nat') === 'public' : props.assignPublicIp === true;
}
