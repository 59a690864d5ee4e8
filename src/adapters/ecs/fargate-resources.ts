import { ValidationError } from '../../errors.ts';
import { parseQuantity } from '../../spec/quantity.ts';
import type { ResourceRequirements } from '../../spec/types.ts';

/**
 * Fargate task sizes: the valid task-level `cpu` (CPU units, 1024 = 1 vCPU) and `memory` (MiB) pairs.
 * Source: "Troubleshoot Amazon ECS task definition invalid CPU or memory errors",
 * https://docs.aws.amazon.com/AmazonECS/latest/userguide/task-cpu-memory-error.html, and the RegisterTaskDefinition
 * `memory` field (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html):
 * 256 → 512, 1024, 2048 · 512 → 1–4 GiB · 1024 → 2–8 GiB · 2048 → 4–16 GiB (1 GiB steps) · 4096 → 8–30 GiB (1 GiB
 * steps) · 8192 → 16–60 GiB (4 GiB steps) · 16384 → 32–120 GiB (8 GiB steps); the last two need Linux platform 1.4.0+.
 */
export const FARGATE_TASK_SIZES: readonly FargateTaskSize[] = [
  ...[512, 1024, 2048].map((memoryMiB) => ({ cpu: 256, memoryMiB })),
  ...gibRange(512, 1, 4, 1),
  ...gibRange(1024, 2, 8, 1),
  ...gibRange(2048, 4, 16, 1),
  ...gibRange(4096, 8, 30, 1),
  ...gibRange(8192, 16, 60, 4),
  ...gibRange(16384, 32, 120, 8),
];

/**
 * Fargate ephemeral storage: 20 GiB without `ephemeralStorage`, up to 200 GiB with it (21 is the smallest value the
 * API takes). Source: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_EphemeralStorage.html
 */
export const FARGATE_DEFAULT_EPHEMERAL_GIB = 20;
export const FARGATE_MAX_EPHEMERAL_GIB = 200;

export interface FargateTaskSize {
  /** CPU units (1024 = 1 vCPU), as RegisterTaskDefinition's task-level `cpu`. */
  cpu: number;
  /** MiB, as RegisterTaskDefinition's task-level `memory`. */
  memoryMiB: number;
}

export interface FargateResources extends FargateTaskSize {
  /** GiB of ephemeral storage beyond Fargate's default 20 GiB; absent when the default covers the pod. */
  ephemeralStorageGiB?: number;
}

/** Where a pod's resources came from, for error messages: the manifest file and the container's field path. */
export interface ResourcesLocation {
  /** @default "pod" */
  file?: string;
  /**
   * Field path of the container, e.g. `spec.jobTemplate.spec.template.spec.containers[0]`. @default
   * "spec.containers[0]"
   */
  path?: string;
}

/** The size of a task when the container asks for nothing: the smallest Fargate size. */
export const DEFAULT_FARGATE_RESOURCES: FargateResources = { cpu: 256, memoryMiB: 512 };

const BYTES_PER_MIB = 2 ** 20;
const BYTES_PER_GIB = 2 ** 30;

/**
 * The smallest Fargate task size that covers a container's `resources`: for cpu and memory, the larger of request and
 * limit (a Fargate task gets exactly its size, so a limit is as much a floor as a request). "Smallest" is the fewest
 * CPU units, then the least memory — the cheaper choice, as a vCPU costs several GiB's worth.
 * `ephemeral-storage` above 20 GiB sets `ephemeralStorageGiB` (rounded up to a whole GiB, at least 21).
 *
 * @throws ValidationError naming the field when no Fargate size covers it (e.g. `limits[memory]` "200Gi").
 * @example fargateResources({ requests: { cpu: '500m', memory: '3Gi' } }) // { cpu: 512, memoryMiB: 3072 }
 */
export function fargateResources(
  resources: ResourceRequirements | undefined,
  where: ResourcesLocation = {},
): FargateResources {
  const file = where.file ?? 'pod';
  const path = where.path ?? 'spec.containers[0]';
  const cpu = largest(resources, 'cpu', file, path);
  const memory = largest(resources, 'memory', file, path);
  const storage = largest(resources, 'ephemeral-storage', file, path);

  const cpuUnits = cpu === undefined ? 0 : Math.ceil(roundFloat(cpu.value * 1024));
  const memoryMiB = memory === undefined ? 0 : Math.ceil(roundFloat(memory.value / BYTES_PER_MIB));
  const maxCpu = FARGATE_TASK_SIZES.reduce((m, s) => Math.max(m, s.cpu), 0);
  const maxMemory = FARGATE_TASK_SIZES.reduce((m, s) => Math.max(m, s.memoryMiB), 0);
  if (cpu !== undefined && cpuUnits > maxCpu) {
    throw tooLarge(file, cpu, `exceeds the largest Fargate task size of ${maxCpu / 1024} vCPU`);
  }
  if (memory !== undefined && memoryMiB > maxMemory) {
    throw tooLarge(file, memory, `exceeds the largest Fargate task size of ${maxMemory / 1024} GiB`);
  }
  const size = FARGATE_TASK_SIZES.find((s) => s.cpu >= cpuUnits && s.memoryMiB >= memoryMiB);
  if (size === undefined) {
    // Cannot happen with the table above (the largest cpu has the largest memory), kept for a future table.
    throw tooLarge(file, memory ?? cpu!, 'no Fargate task size has this much cpu and memory together');
  }
  const result: FargateResources = { ...size };
  if (storage !== undefined) {
    const gib = Math.ceil(roundFloat(storage.value / BYTES_PER_GIB));
    if (gib > FARGATE_MAX_EPHEMERAL_GIB) {
      throw tooLarge(file, storage, `exceeds Fargate's largest ephemeral storage of ${FARGATE_MAX_EPHEMERAL_GIB} GiB`);
    }
    if (gib > FARGATE_DEFAULT_EPHEMERAL_GIB) result.ephemeralStorageGiB = Math.max(21, gib);
  }
  return result;
}

interface Amount {
  value: number;
  text: string;
  field: string;
}

/** The larger of a resource's request and limit, with the field it came from (the limit when they tie). */
function largest(
  resources: ResourceRequirements | undefined,
  name: string,
  file: string,
  path: string,
): Amount | undefined {
  let best: Amount | undefined;
  for (const kind of ['limits', 'requests'] as const) {
    const text = resources?.[kind]?.[name];
    if (text === undefined) continue;
    const field = `${path}.resources.${kind}[${name}]`;
    const value = parseQuantity(text);
    if (value === undefined || value < 0) {
      throw new ValidationError({ file, path: field, detail: `Invalid value: "${text}": not a Kubernetes quantity` });
    }
    if (best === undefined || value > best.value) best = { value, text, field };
  }
  return best;
}

function tooLarge(file: string, amount: Amount, why: string): ValidationError {
  return new ValidationError({ file, path: amount.field, detail: `Invalid value: "${amount.text}": ${why}` });
}

/**
 * Removes binary floating-point noise (`0.1 * 1024`) before rounding up, so exact values do not round past themselves.
 */
function roundFloat(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function gibRange(cpu: number, fromGiB: number, toGiB: number, stepGiB: number): FargateTaskSize[] {
  const sizes: FargateTaskSize[] = [];
  for (let gib = fromGiB; gib <= toGiB; gib += stepGiB) sizes.push({ cpu, memoryMiB: gib * 1024 });
  return sizes;
}
