import { describe, expect, it } from 'vitest';
import {
  anonymousDockerHubPulls,
  isDockerHubImage,
  parseImageReference,
  resolveTaskImage,
} from '../../../../src/adapters/ecs/docker-hub.ts';
import { taskDefinitionForPod } from '../../../../src/adapters/ecs/ecs-task-definitions.ts';
import { loadManifests } from '../../../../src/spec/index.ts';
import { aPod, settings } from '../../../support/pods.ts';

describe('parseImageReference (Docker’s normalisation)', () => {
  it.each([
    ['busybox', { domain: 'docker.io', path: 'library/busybox' }],
    ['busybox:1.36', { domain: 'docker.io', path: 'library/busybox', tag: '1.36' }],
    ['library/busybox@sha256:abc', { domain: 'docker.io', path: 'library/busybox', digest: 'sha256:abc' }],
    ['docker.io/busybox:1.36', { domain: 'docker.io', path: 'library/busybox', tag: '1.36' }],
    [
      'index.docker.io/library/python:3.12-slim',
      { domain: 'index.docker.io', path: 'library/python', tag: '3.12-slim' },
    ],
    ['bitnami/kubectl:1.30', { domain: 'docker.io', path: 'bitnami/kubectl', tag: '1.30' }],
    ['localhost/app', { domain: 'localhost', path: 'app' }],
    ['registry.example.com:5000/team/app:v1', { domain: 'registry.example.com:5000', path: 'team/app', tag: 'v1' }],
    [
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v2',
      { domain: '123456789012.dkr.ecr.us-east-1.amazonaws.com', path: 'app', tag: 'v2' },
    ],
    ['public.ecr.aws/docker/library/busybox', { domain: 'public.ecr.aws', path: 'docker/library/busybox' }],
  ])('%s', (image, expected) => {
    expect(parseImageReference(image)).toEqual(expected);
  });
});

describe('resolveTaskImage (AWS-AUDIT F1)', () => {
  it.each([
    ['busybox', 'public.ecr.aws/docker/library/busybox'],
    ['busybox:1.36', 'public.ecr.aws/docker/library/busybox:1.36'],
    ['docker.io/library/python:3.12@sha256:0123', 'public.ecr.aws/docker/library/python:3.12@sha256:0123'],
    ['perl', 'public.ecr.aws/docker/library/perl'],
    // Not Docker Official Images, or not on Docker Hub: unchanged.
    ['bitnami/kubectl:1.30', 'bitnami/kubectl:1.30'],
    ['ghcr.io/org/app:1', 'ghcr.io/org/app:1'],
    ['public.ecr.aws/docker/library/busybox:1.36', 'public.ecr.aws/docker/library/busybox:1.36'],
  ])('%s → %s', (image, expected) => {
    expect(resolveTaskImage(image)).toBe(expected);
  });

  it('leaves every image as written when the mirror is off', () => {
    expect(resolveTaskImage('busybox', 'off')).toBe('busybox');
  });

  it(
    "names the mirror in the seed's task definition, and pulls what is still on Docker Hub with the stack's " +
      'credentials',
    () => {
      expect(taskDefinitionForPod(aPod({ image: 'busybox' }), settings).containerDefinitions?.[0]?.image).toBe(
        'public.ecr.aws/docker/library/busybox',
      );
      expect(
        taskDefinitionForPod(aPod({ image: 'busybox' }), { ...settings, dockerHubMirror: 'off' })
          .containerDefinitions?.[0]?.image,
      ).toBe('busybox');

      const secret = 'arn:aws:secretsmanager:us-west-2:111122223333:secret:dockerhub-AbCdEf';
      const withCredentials = { ...settings, dockerHubCredentialsArn: secret };
      expect(
        taskDefinitionForPod(aPod({ image: 'bitnami/kubectl:1.30' }), withCredentials).containerDefinitions?.[0]
          ?.repositoryCredentials,
      ).toEqual({ credentialsParameter: secret });
      // The mirror and other registries need none.
      expect(
        taskDefinitionForPod(aPod({ image: 'busybox' }), withCredentials).containerDefinitions?.[0],
      ).not.toHaveProperty('repositoryCredentials');
      expect(isDockerHubImage('ghcr.io/org/app')).toBe(false);
    },
  );
});

describe('anonymousDockerHubPulls (the cdk synth warning)', () => {
  const cronJob = `apiVersion: batch/v1
kind: CronJob
metadata: { name: report }
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: main
            image: bitnami/kubectl:1.30
          restartPolicy: Never
`;

  it('warns at the image line for a Docker Hub image with no mirror, naming the limit and the ways out', () => {
    const { warnings } = loadManifests(cronJob, 'cronjobs.yaml', {
      lint: (o) => anonymousDockerHubPulls(o, { mirror: 'ecr-public', credentials: false }),
    });

    expect(warnings).toEqual([
      {
        file: 'cronjobs.yaml',
        line: 12,
        path: 'spec.jobTemplate.spec.template.spec.containers[0].image',
        code: 'docker-hub-anonymous-pull',
        message: expect.stringMatching(
          new RegExp(
            /^image "bitnami\/kubectl:1\.30" would be pulled anonymously from Docker Hub \(it is not a Docker/.source +
              / Official Image.*10 unauthenticated pulls per hour per IP/.source +
              / address.*dockerHubCredentials.*pull-through cache.*your own ECR repository$/.source,
          ),
        ),
      },
    ]);
  });

  it('is silent for a mirrored official image, and for any image when the stack has Docker Hub credentials', () => {
    const official = cronJob.replace('bitnami/kubectl:1.30', 'busybox');
    expect(
      loadManifests(official, 'c.yaml', {
        lint: (o) => anonymousDockerHubPulls(o, { mirror: 'ecr-public', credentials: false }),
      }).warnings,
    ).toEqual([]);
    expect(
      loadManifests(official, 'c.yaml', {
        lint: (o) => anonymousDockerHubPulls(o, { mirror: 'off', credentials: false }),
      }).warnings,
    ).toHaveLength(1);
    expect(
      loadManifests(cronJob, 'c.yaml', {
        lint: (o) => anonymousDockerHubPulls(o, { mirror: 'off', credentials: true }),
      }).warnings,
    ).toEqual([]);
  });
});
