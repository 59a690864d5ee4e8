import type { LoadedObject } from '../../spec/index.ts';

/*
 * Images from Docker Hub on Fargate. Fargate keeps no image cache, so every task pulls its image, and tasks in
 * private subnets pull through one NAT gateway: one public IP for the whole stack. Docker Hub allows unauthenticated
 * users "10 pulls/hour per IPv4 address or IPv6 /64 subnet" (Docker Hub usage and limits,
 * https://docs.docker.com/docker-hub/usage/), so an every-minute CronJob on `busybox` fails most of its runs with
 * `CannotPullContainerError: … toomanyrequests` (AWS-AUDIT.md F1).
 *
 * Docker's Official Images (`busybox`, `python`, `library/nginx`, …) are mirrored by Docker on Amazon ECR Public as
 * `public.ecr.aws/docker/library/<name>` (https://gallery.ecr.aws/docker), pulled with ECR Public's own, far larger
 * unauthenticated quota (https://docs.aws.amazon.com/AmazonECR/latest/public/public-service-quotas.html). So the
 * seed's YAML stays verbatim (`image: busybox`) and runs: the task definition names the mirror. Other Docker Hub
 * images (`someone/app`) have no mirror; `cdk synth` warns about them ({@link anonymousDockerHubPulls}).
 */

/** Where Docker Official Images are mirrored on Amazon ECR Public. */
export const ECR_PUBLIC_LIBRARY = 'public.ecr.aws/docker/library';

/** How a task's image is pulled. */
export type DockerHubMirror = 'ecr-public' | 'off';

/** An image reference split as Docker's distribution/reference normalises it. */
export interface ImageReference {
  /** Registry host, `docker.io` for Docker Hub. */
  domain: string;
  /** Repository path, `library/busybox` for a Docker Hub short name. */
  path: string;
  tag?: string;
  digest?: string;
}

/** Docker Hub's host names (`index.docker.io` is what older clients wrote; `registry-1.docker.io` is its API host). */
const DOCKER_HUB_DOMAINS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * Splits an image reference as Docker does (`ParseNormalizedNamed`): the first path component is a registry host when
 * it holds a `.` or a `:`, is `localhost`, or has upper-case letters; otherwise the image is on Docker Hub, and a
 * one-component name is in `library/`.
 */
export function parseImageReference(image: string): ImageReference {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  let rest = at >= 0 ? image.slice(0, at) : image;
  const colon = rest.lastIndexOf(':');
  let tag: string | undefined;
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  const isDomain = slash >= 0 && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase());
  const domain = isDomain ? first : 'docker.io';
  let path = isDomain ? rest.slice(slash + 1) : rest;
  if (DOCKER_HUB_DOMAINS.has(domain) && !path.includes('/')) path = `library/${path}`;
  return { domain, path, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** True for an image pulled from Docker Hub. */
export function isDockerHubImage(image: string): boolean {
  return DOCKER_HUB_DOMAINS.has(parseImageReference(image).domain);
}

/**
 * The image a task definition names: a Docker Official Image (`busybox`, `busybox:1.36`, `docker.io/library/busybox`)
 * becomes its ECR Public mirror (`public.ecr.aws/docker/library/busybox:1.36`, digest kept: the mirror serves the same
 * manifests); anything else, or everything with `mirror` `off`, is unchanged.
 */
export function resolveTaskImage(image: string, mirror: DockerHubMirror = 'ecr-public'): string {
  if (mirror === 'off') return image;
  const ref = parseImageReference(image);
  if (!DOCKER_HUB_DOMAINS.has(ref.domain)) return image;
  const official = /^library\/([^/]+)$/.exec(ref.path);
  if (official === null) return image;
  return (
    `${ECR_PUBLIC_LIBRARY}/${official[1]}${ref.tag === undefined ? '' : `:${ref.tag}`}` +
    `${ref.digest === undefined ? '' : `@${ref.digest}`}`
  );
}

/** The ways out of Docker Hub's anonymous limit, as the warning names them. */
const WAYS_OUT =
  'give the stack Docker Hub credentials (the dockerHubCredentials prop: a Secrets Manager secret the tasks pull ' +
  'with, ECS repositoryCredentials), ' +
  'or name the image through an ECR pull-through cache rule for Docker Hub ' +
  '(https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html), ' +
  'or push it to your own ECR repository';

/**
 * `cdk synth`'s check of a manifest's images (a `ManifestLint`): each container image that the stack's tasks would
 * pull anonymously from Docker Hub — any Docker Hub image when the mirror is off, else one that is not a Docker
 * Official Image; none when the stack has Docker Hub credentials — at its field path, with the limit and the ways out.
 */
export function anonymousDockerHubPulls(
  object: LoadedObject,
  pulls: { mirror: DockerHubMirror; credentials: boolean; sharedIp?: boolean },
): Array<{ path: string; message: string; code: string }> {
  if (pulls.credentials) return [];
  const mirror = pulls.mirror;
  const template =
    object.kind === 'CronJob'
      ? { prefix: 'spec.jobTemplate.spec.template.spec', spec: object.spec.jobTemplate.spec.template.spec }
      : object.kind === 'Job'
        ? { prefix: 'spec.template.spec', spec: object.spec.template.spec }
        : undefined;
  if (template === undefined) return [];
  return template.spec.containers.flatMap((container, i) => {
    const image = container.image;
    if (!isDockerHubImage(image) || resolveTaskImage(image, mirror) !== image) return [];
    const why =
      mirror === 'off'
        ? 'the Docker Hub mirror is off (dockerHubMirror: false)'
        : 'it is not a Docker Official Image, so it has no ECR Public mirror';
    return [
      {
        path: `${template.prefix}.containers[${i}].image`,
        code: 'docker-hub-anonymous-pull',
        message:
          `image "${image}" would be pulled anonymously from Docker Hub (${why}): Fargate pulls the image for every ` +
          `task, and Docker Hub allows ` +
          `10 unauthenticated pulls per hour per IP ` +
          `address${pulls.sharedIp === false ? '' : " (all tasks share the NAT gateway's)"}: ${WAYS_OUT}`,
      },
    ];
  });
}
