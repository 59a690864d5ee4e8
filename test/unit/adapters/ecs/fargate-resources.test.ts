import { describe, expect, it } from 'vitest';
import {
  FARGATE_TASK_SIZES,
  fargateResources,
  type FargateResources,
} from '../../../../src/adapters/ecs/fargate-resources.ts';
import { ValidationError } from '../../../../src/errors.ts';
import type { ResourceRequirements } from '../../../../src/spec/types.ts';

// The Fargate table: https://docs.aws.amazon.com/AmazonECS/latest/userguide/task-cpu-memory-error.html
describe('FARGATE_TASK_SIZES', () => {
  it('lists every documented cpu/memory pair', () => {
    const byCpu = (cpu: number) => FARGATE_TASK_SIZES.filter((s) => s.cpu === cpu).map((s) => s.memoryMiB / 1024);
    expect(byCpu(256)).toEqual([0.5, 1, 2]);
    expect(byCpu(512)).toEqual([1, 2, 3, 4]);
    expect(byCpu(1024)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(byCpu(2048)).toEqual(Array.from({ length: 13 }, (_, i) => 4 + i));
    expect(byCpu(4096)).toEqual(Array.from({ length: 23 }, (_, i) => 8 + i));
    expect(byCpu(8192)).toEqual(Array.from({ length: 12 }, (_, i) => 16 + 4 * i));
    expect(byCpu(16384)).toEqual(Array.from({ length: 12 }, (_, i) => 32 + 8 * i));
    expect(FARGATE_TASK_SIZES).toHaveLength(74);
  });
});

describe('fargateResources', () => {
  const cases: Array<{ name: string; resources: ResourceRequirements | undefined; expected: FargateResources }> = [
    { name: 'no resources: the smallest size', resources: undefined, expected: { cpu: 256, memoryMiB: 512 } },
    {
      name: 'empty requests and limits',
      resources: { requests: {}, limits: {} },
      expected: { cpu: 256, memoryMiB: 512 },
    },
    {
      name: 'cpu 100m rounds up to .25 vCPU',
      resources: { requests: { cpu: '100m' } },
      expected: { cpu: 256, memoryMiB: 512 },
    },
    {
      name: 'cpu 250m is exactly .25 vCPU',
      resources: { requests: { cpu: '250m' } },
      expected: { cpu: 256, memoryMiB: 512 },
    },
    {
      name: 'cpu 0.5 → 512 with its smallest memory',
      resources: { requests: { cpu: '0.5' } },
      expected: { cpu: 512, memoryMiB: 1024 },
    },
    {
      name: 'memory 1Gi fits .25 vCPU',
      resources: { requests: { memory: '1Gi' } },
      expected: { cpu: 256, memoryMiB: 1024 },
    },
    {
      name: 'memory 2049Mi needs .5 vCPU and 3 GiB',
      resources: { requests: { memory: '2049Mi' } },
      expected: { cpu: 512, memoryMiB: 3072 },
    },
    {
      name: 'decimal 1G (953.7 MiB) → 1 GiB',
      resources: { limits: { memory: '1G' } },
      expected: { cpu: 256, memoryMiB: 1024 },
    },
    {
      name: 'cpu 1, memory 1Gi → 1 vCPU takes 2 GiB at least',
      resources: { requests: { cpu: '1', memory: '1Gi' } },
      expected: { cpu: 1024, memoryMiB: 2048 },
    },
    {
      name: 'cpu 2, memory 512Mi → 4 GiB minimum',
      resources: { requests: { cpu: '2', memory: '512Mi' } },
      expected: { cpu: 2048, memoryMiB: 4096 },
    },
    { name: 'cpu 3 → 4 vCPU', resources: { limits: { cpu: '3' } }, expected: { cpu: 4096, memoryMiB: 8192 } },
    {
      name: 'memory 17Gi → 4 vCPU in 1 GiB steps',
      resources: { requests: { memory: '17Gi' } },
      expected: { cpu: 4096, memoryMiB: 17 * 1024 },
    },
    {
      name: 'memory 31Gi → 8 vCPU, 4 GiB steps up to 32',
      resources: { requests: { memory: '31Gi' } },
      expected: { cpu: 8192, memoryMiB: 32 * 1024 },
    },
    {
      name: 'cpu 8, memory 61Gi → 16 vCPU at 64 GiB',
      resources: { requests: { cpu: '8', memory: '61Gi' } },
      expected: { cpu: 16384, memoryMiB: 64 * 1024 },
    },
    {
      name: 'memory 120Gi → the largest size',
      resources: { limits: { memory: '120Gi' } },
      expected: { cpu: 16384, memoryMiB: 120 * 1024 },
    },
    {
      name: 'limit above request: the limit sizes the task',
      resources: { requests: { cpu: '1' }, limits: { cpu: '2' } },
      expected: { cpu: 2048, memoryMiB: 4096 },
    },
    {
      name: 'ephemeral-storage 20Gi: Fargate default, no field',
      resources: { requests: { 'ephemeral-storage': '20Gi' } },
      expected: { cpu: 256, memoryMiB: 512 },
    },
    {
      name: 'ephemeral-storage 20.5Gi → 21 GiB',
      resources: { requests: { 'ephemeral-storage': '20.5Gi' } },
      expected: { cpu: 256, memoryMiB: 512, ephemeralStorageGiB: 21 },
    },
    {
      name: 'ephemeral-storage 50Gi',
      resources: { limits: { 'ephemeral-storage': '50Gi' } },
      expected: { cpu: 256, memoryMiB: 512, ephemeralStorageGiB: 50 },
    },
  ];

  it.each(cases)('$name', ({ resources, expected }) => {
    expect(fargateResources(resources)).toEqual(expected);
  });

  const errors: Array<{ name: string; resources: ResourceRequirements; path: string; message: RegExp }> = [
    {
      name: 'memory limit beyond 120 GiB',
      resources: { limits: { memory: '121Gi' } },
      path: 'spec.containers[0].resources.limits[memory]',
      message: /"121Gi": exceeds the largest Fargate task size of 120 GiB/,
    },
    {
      name: 'cpu request beyond 16 vCPU',
      resources: { requests: { cpu: '17' } },
      path: 'spec.containers[0].resources.requests[cpu]',
      message: /"17": exceeds the largest Fargate task size of 16 vCPU/,
    },
    {
      name: 'the larger of request and limit is named',
      resources: { requests: { memory: '200Gi' }, limits: { memory: '1Gi' } },
      path: 'spec.containers[0].resources.requests[memory]',
      message: /"200Gi"/,
    },
    {
      name: 'ephemeral storage beyond 200 GiB',
      resources: { requests: { 'ephemeral-storage': '201Gi' } },
      path: 'spec.containers[0].resources.requests[ephemeral-storage]',
      message: /200 GiB/,
    },
    {
      name: 'a malformed quantity',
      resources: { requests: { cpu: 'lots' } },
      path: 'spec.containers[0].resources.requests[cpu]',
      message: /"lots": not a Kubernetes quantity/,
    },
  ];

  it.each(errors)('throws a ValidationError naming the field: $name', ({ resources, path, message }) => {
    let caught: unknown;
    try {
      fargateResources(resources);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).path).toBe(path);
    expect((caught as ValidationError).message).toMatch(message);
  });

  it('names the manifest file and container path it is given', () => {
    expect(() =>
      fargateResources(
        { limits: { memory: '1Ti' } },
        { file: 'jobs/big.yaml', path: 'spec.jobTemplate.spec.template.spec.containers[0]' },
      ),
    ).toThrow(
      'jobs/big.yaml spec.jobTemplate.spec.template.spec.containers[0].resources.limits[memory]: Invalid value: "1Ti"',
    );
  });
});
