import { createHash } from 'node:crypto';
import {
  ClientException,
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  type ContainerDefinition,
  type ECSClient,
  type RegisterTaskDefinitionCommandInput,
  type Tag,
} from '@aws-sdk/client-ecs';
import { expandVars } from '../../engine/expand-vars.ts';
import { wellKnown, type Container, type Pod } from '../../spec/types.ts';
import { isDockerHubImage, resolveTaskImage, type DockerHubMirror } from './docker-hub.ts';
import { fargateResources } from './fargate-resources.ts';

/** Deployment settings every task definition carries (from the stack's outputs / Lambda environment). */
export interface TaskDefinitionSettings {
  /** Role the ECS agent uses to pull the image and write logs (`executionRoleArn`). */
  readonly executionRoleArn: string;
  /** Role the task's own code runs with (`taskRoleArn`). */
  readonly taskRoleArn: string;
  /** CloudWatch Logs group of the awslogs driver. */
  readonly logGroup: string;
  /** Region of the log group (`awslogs-region`). */
  readonly logRegion: string;
  /**
   * `awslogs-stream-prefix`: streams are named `<prefix>/<container>/<task id>` ({@link logStreamName}).
   * @default "jobctl"
   */
  readonly logStreamPrefix?: string;
  /**
   * CPU architecture of a pod's task unless its `nodeSelector` names one (`kubernetes.io/arch: amd64|arm64`). Fargate
   * runs the platform the task definition declares, whatever the image: an image without a variant for it fails with
   * `exec format error` (AWS-AUDIT.md F3).
   * @default "X86_64": nearly every public image has an amd64 variant; ARM64 (Graviton) is about 20% cheaper per
   * vCPU-hour
   *   for images built for linux/arm64 (multi-arch images such as the Docker Official Images are)
   */
  readonly cpuArchitecture?: CpuArchitecture;
  /**
   * Docker Official Images (`image: busybox`) are pulled from their mirror on Amazon ECR Public
   * (`public.ecr.aws/docker/library/busybox`) rather than anonymously from Docker Hub, whose limit of 10 pulls per
   * hour per IP a NAT gateway's tasks share (src/adapters/ecs/docker-hub.ts). `off` names images as written.
   * @default "ecr-public"
   */
  readonly dockerHubMirror?: DockerHubMirror;
  /**
   * A Secrets Manager secret (`{"username","password"}`) the tasks pull images still on Docker Hub with (ECS
   * `repositoryCredentials`; the execution role must be allowed to read it). @default - anonymous pulls
   */
  readonly dockerHubCredentialsArn?: string;
  /** First part of every family name, `[A-Za-z0-9_-]`. @default "jobctl" */
  readonly familyPrefix?: string;
  /** Tags put on every task definition (e.g. the stack's). @default - none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * RuntimePlatform `cpuArchitecture` values Fargate runs
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RuntimePlatform.html).
 */
export type CpuArchitecture = 'X86_64' | 'ARM64';

/** Kubernetes' `kubernetes.io/arch` node label values → ECS CPU architectures. */
const architectureOfNodeArch: Readonly<Record<string, CpuArchitecture>> = { amd64: 'X86_64', arm64: 'ARM64' };

/**
 * The CPU architecture of the pod's task: its `nodeSelector`'s `kubernetes.io/arch` (validated at apply/synth to
 * `amd64` or `arm64`), else the deployment's default.
 */
export function cpuArchitectureOf(pod: Pod, fallback: CpuArchitecture = 'X86_64'): CpuArchitecture {
  const arch = pod.spec.nodeSelector?.[wellKnown.nodeArch];
  return (arch === undefined ? undefined : architectureOfNodeArch[arch]) ?? fallback;
}

/** ECS caps family names at 255 letters, digits, `_` and `-` (RegisterTaskDefinition `family`). */
const MAX_FAMILY_LENGTH = 255;
/** Fargate's `stopTimeout` range is 2–120 s (ContainerDefinition `stopTimeout`); Kubernetes' default grace is 30 s. */
const MAX_FARGATE_STOP_TIMEOUT_SECONDS = 120;
const MIN_FARGATE_STOP_TIMEOUT_SECONDS = 2;

/**
 * What the pod's single container runs, resolved the way the kubelet does, split between what a task definition must
 * carry and what RunTask overrides can carry:
 * - `env`: the container's env in order, each value `$(VAR)`-expanded against the ones before it (and `HOSTNAME`,
 *   the pod's hostname as Kubernetes sets it); travels in the override.
 * - `entryPoint`: the program of Kubernetes `command` (which replaces the image ENTRYPOINT). RunTask's
 *   ContainerOverride has no entryPoint field, only `command` (the image CMD), so the task definition must carry it;
 *   it carries only `command[0]`, and the rest of `command` goes in the override ahead of `args`. Docker runs
 *   ENTRYPOINT + CMD, so the container runs exactly `command` + `args`, and an entrypoint set in the container's
 *   configuration makes the image's CMD unused, as Kubernetes' `command` does. Pods whose commands differ only after
 *   the program (the seed's `sh -c "echo Processing item $ITEM"`) share one task definition (AWS-AUDIT.md F9).
 *   Absent: the image's ENTRYPOINT runs.
 * - `command`: the rest of Kubernetes `command`, then `args` (which replace the image CMD), expanded; goes in the
 *   override. Absent: the image's CMD (when `command` is unset too).
 *
 * `bakeCommand` puts the whole of Kubernetes `command` in the task definition instead: for a command too long for
 * RunTask's 8 KiB of overrides (one family per distinct command then, as before).
 */
export interface ContainerRun {
  container: Container;
  env: { name: string; value: string }[];
  entryPoint?: string[];
  command?: string[];
}

/**
 * Resolves the pod's container run ({@link ContainerRun}); throws when the pod has no container. `baseEnv` comes
 * first (as Kubernetes injects service variables before the container's own), so the pod can override it.
 */
export function resolveContainerRun(
  pod: Pod,
  baseEnv: Readonly<Record<string, string>> = {},
  options: { bakeCommand?: boolean } = {},
): ContainerRun {
  const container = pod.spec.containers[0];
  if (container === undefined) {
    throw new Error(
      `pod ${pod.metadata.namespace}/${pod.metadata.name}: spec.containers: Required value: a pod runs one container`,
    );
  }
  const scope = new Map<string, string>([
    ...Object.entries(baseEnv),
    ['HOSTNAME', pod.spec.hostname ?? pod.metadata.name],
  ]);
  const env: { name: string; value: string }[] = [
    ...Object.entries(baseEnv).map(([name, value]) => ({ name, value })),
    { name: 'HOSTNAME', value: scope.get('HOSTNAME')! },
  ];
  for (const v of container.env ?? []) {
    const value = expandVars(v.value ?? '', scope);
    scope.set(v.name, value);
    const existing = env.findIndex((e) => e.name === v.name);
    if (existing >= 0) env.splice(existing, 1);
    env.push({ name: v.name, value });
  }
  const run: ContainerRun = { container, env };
  // An empty list is Kubernetes' "not set" (the kubelet checks the length): the image's ENTRYPOINT / CMD run.
  const command =
    container.command !== undefined && container.command.length > 0
      ? container.command.map((a) => expandVars(a, scope))
      : undefined;
  const args =
    container.args !== undefined && container.args.length > 0
      ? container.args.map((a) => expandVars(a, scope))
      : undefined;
  if (command !== undefined && options.bakeCommand !== true) {
    run.entryPoint = command.slice(0, 1);
    const rest = [...command.slice(1), ...(args ?? [])];
    if (rest.length > 0) run.command = rest;
  } else {
    if (command !== undefined) run.entryPoint = command;
    if (args !== undefined) run.command = args;
  }
  return run;
}

/**
 * The RegisterTaskDefinition input for a pod: one Fargate task (awsvpc, the pod's container as the one essential
 * container, awslogs), sized by {@link fargateResources}. Args and env are not in it: they travel in RunTask overrides,
 * so every pod of a Job, and every run of a CronJob, shares one task definition.
 *
 * The image is the one Fargate can pull ({@link resolveTaskImage}: a Docker Official Image from its ECR Public mirror).
 *
 * The family is `<prefix>-<image name>-<hash>`, where the hash covers the whole input (image, container name,
 * entryPoint, workingDir, stop timeout, size, roles, logging, platform, tags): a family names one exact content, so
 * "describe, register if missing" never reuses a definition that differs, and a settings change (a new role ARN)
 * yields a new family rather than silently running the old one.
 */
export function taskDefinitionForPod(
  pod: Pod,
  settings: TaskDefinitionSettings,
  run: ContainerRun = resolveContainerRun(pod),
): RegisterTaskDefinitionCommandInput {
  const { container } = run;
  const size = fargateResources(container.resources, { file: `pod/${pod.metadata.name}`, path: 'spec.containers[0]' });
  const grace = pod.spec.terminationGracePeriodSeconds ?? 30;
  const image = resolveTaskImage(container.image, settings.dockerHubMirror);
  const credentials =
    settings.dockerHubCredentialsArn !== undefined && isDockerHubImage(image)
      ? { repositoryCredentials: { credentialsParameter: settings.dockerHubCredentialsArn } }
      : {};
  const containerDefinition: ContainerDefinition = {
    name: container.name,
    image,
    ...credentials,
    essential: true,
    ...(run.entryPoint === undefined ? {} : { entryPoint: run.entryPoint }),
    ...(container.workingDir === undefined ? {} : { workingDirectory: container.workingDir }),
    stopTimeout: Math.min(MAX_FARGATE_STOP_TIMEOUT_SECONDS, Math.max(MIN_FARGATE_STOP_TIMEOUT_SECONDS, grace)),
    logConfiguration: {
      logDriver: 'awslogs',
      options: {
        'awslogs-group': settings.logGroup,
        'awslogs-region': settings.logRegion,
        'awslogs-stream-prefix': settings.logStreamPrefix ?? 'jobctl',
      },
    },
  };
  const body: Omit<RegisterTaskDefinitionCommandInput, 'family'> = {
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: String(size.cpu),
    memory: String(size.memoryMiB),
    ...(size.ephemeralStorageGiB === undefined ? {} : { ephemeralStorage: { sizeInGiB: size.ephemeralStorageGiB } }),
    runtimePlatform: {
      cpuArchitecture: cpuArchitectureOf(pod, settings.cpuArchitecture),
      operatingSystemFamily: 'LINUX',
    },
    executionRoleArn: settings.executionRoleArn,
    taskRoleArn: settings.taskRoleArn,
    containerDefinitions: [containerDefinition],
    ...(settings.tags === undefined ? {} : { tags: toTags(settings.tags) }),
  };
  return { family: taskDefinitionFamily(body, container.image, settings.familyPrefix ?? 'jobctl'), ...body };
}

/** `<prefix>-<image name>-<32 hex of sha256(canonical JSON of the body)>`, ≤255 characters of `[A-Za-z0-9_-]`. */
export function taskDefinitionFamily(
  body: Omit<RegisterTaskDefinitionCommandInput, 'family'>,
  image: string,
  prefix: string,
): string {
  const hash = createHash('sha256').update(canonicalJson(body)).digest('hex').slice(0, 32);
  const readable = [sanitizeFamilyPart(prefix), sanitizeFamilyPart(imageName(image))].filter((p) => p !== '').join('-');
  const head = readable.slice(0, MAX_FAMILY_LENGTH - hash.length - 1);
  return head === '' ? hash : `${head}-${hash}`;
}

/**
 * The CloudWatch Logs stream of a task's container under the awslogs driver: `<prefix>/<container name>/<task id>`
 * (awslogs-stream-prefix, https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html).
 */
export function logStreamName(prefix: string, containerName: string, taskArn: string): string {
  return `${prefix}/${containerName}/${taskIdOf(taskArn)}`;
}

/** The task id: the last path segment of a task ARN (`arn:aws:ecs:…:task/<cluster>/<id>` or the older `task/<id>`). */
export function taskIdOf(taskArn: string): string {
  return taskArn.slice(taskArn.lastIndexOf('/') + 1);
}

/** Remembers which families are registered, so a warm Lambda asks ECS once per family. */
export interface TaskDefinitionCache {
  has(family: string): boolean;
  add(family: string): void;
}

/** A process-lifetime {@link TaskDefinitionCache} (module scope in a Lambda: lives as long as the container). */
export class InMemoryTaskDefinitionCache implements TaskDefinitionCache {
  private readonly families = new Set<string>();
  has(family: string): boolean {
    return this.families.has(family);
  }
  add(family: string): void {
    this.families.add(family);
  }
}

/**
 * Registers task definitions on demand: DescribeTaskDefinition first (the family's latest ACTIVE revision), and
 * RegisterTaskDefinition only when there is none. Families are content-addressed ({@link taskDefinitionForPod}), so
 * any ACTIVE revision is the right one, and RunTask can name the bare family: the same string on every retry, which
 * keeps RunTask's `clientToken` replay byte-identical. Two cold Lambdas racing register two identical revisions:
 * harmless.
 */
export class EcsTaskDefinitionRegistry {
  constructor(
    private readonly client: ECSClient,
    private readonly cache: TaskDefinitionCache = new InMemoryTaskDefinitionCache(),
  ) {}

  /** Ensures `input.family` has an ACTIVE revision; resolves to the family name to run. */
  async ensureRegistered(input: RegisterTaskDefinitionCommandInput): Promise<string> {
    const family = input.family!;
    if (this.cache.has(family)) return family;
    if (!(await this.isRegistered(family))) await this.client.send(new RegisterTaskDefinitionCommand(input));
    this.cache.add(family);
    return family;
  }

  private async isRegistered(family: string): Promise<boolean> {
    try {
      const out = await this.client.send(new DescribeTaskDefinitionCommand({ taskDefinition: family }));
      return out.taskDefinition?.status === 'ACTIVE';
    } catch (error) {
      // A family with no ACTIVE revision: ClientException "Unable to describe task definition."
      if (error instanceof ClientException) return false;
      throw error;
    }
  }
}

/** Tags in ECS's shape, sorted by key so the request (and the family hash) does not depend on object order. */
export function toTags(tags: Readonly<Record<string, string>>): Tag[] {
  return Object.keys(tags)
    .sort()
    .map((key) => ({ key, value: tags[key] }));
}

/** `registry.example/team/my-app:1.2@sha256:…` → `my-app`. */
function imageName(image: string): string {
  const withoutDigest = image.split('@')[0] ?? image;
  const last = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1);
  return (last.split(':')[0] ?? last).slice(0, 64);
}

function sanitizeFamilyPart(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
}

/** JSON with object keys sorted at every level: a stable hash input. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
