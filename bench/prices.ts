/**
 * Public list prices in us-east-1 (N. Virginia), as the AWS pricing pages give them; the cost benchmark multiplies
 * what it measures by these. Check your Region's page before deciding on them.
 */
export const PRICES = {
  /** https://aws.amazon.com/vpc/pricing/ (NAT gateway) */
  natGatewayHour: 0.045,
  natGatewayPerGb: 0.045,
  /** https://aws.amazon.com/vpc/pricing/ (public IPv4 address, in use or idle) */
  publicIpv4Hour: 0.005,
  /** https://aws.amazon.com/dynamodb/pricing/on-demand/ (per million write / read request units) */
  dynamoDbPerMillionWriteUnits: 0.625,
  dynamoDbPerMillionReadUnits: 0.125,
  /** https://aws.amazon.com/lambda/pricing/ (Arm: per GB-second, per million requests) */
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  /** https://aws.amazon.com/eventbridge/pricing/ (Scheduler: per million invocations after 14 million free a month) */
  schedulerPerMillionInvocations: 1.0,
  schedulerFreeInvocationsPerMonth: 14_000_000,
  /**
   * https://aws.amazon.com/cloudwatch/pricing/ (logs ingested per GB; a standard-resolution alarm a month; a custom
   * metric a month)
   */
  logsPerGbIngested: 0.5,
  alarmMonth: 0.1,
  customMetricMonth: 0.3,
  /** https://aws.amazon.com/fargate/pricing/ (Linux: per vCPU-hour and GB-hour, billed per second, 1-minute minimum) */
  fargateX86VcpuHour: 0.04048,
  fargateX86GbHour: 0.004445,
  fargateArmVcpuHour: 0.03238,
  fargateArmGbHour: 0.00356,
} as const;

/** Hours in the month AWS bills by (730). */
export const HOURS_PER_MONTH = 730;
