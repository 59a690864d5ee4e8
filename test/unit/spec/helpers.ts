import { ValidationErrors } from '../../../src/errors.ts';
import { loadManifests } from '../../../src/spec/index.ts';

/** A located error as a user sees it. */
export interface Located {
  path: string;
  line: number | undefined;
  detail: string;
}

/** Replaces each `find` (which must occur) with `replace`, so a case reads as a diff of a known-good manifest. */
export function edit(base: string, ...edits: [find: string, replace: string][]): string {
  return edits.reduce((text, [find, replace]) => {
    if (!text.includes(find)) throw new Error(`test bug: ${JSON.stringify(find)} not in manifest`);
    return text.replace(find, replace);
  }, base);
}

/** The errors `loadManifests` throws for `text`, or [] when it loads. */
export function loadErrors(text: string, file = 'test.yaml'): Located[] {
  try {
    loadManifests(text, file);
    return [];
  } catch (error) {
    if (!(error instanceof ValidationErrors)) throw error;
    return error.errors.map((e) => ({ path: e.path, line: e.line, detail: e.detail }));
  }
}

/** A valid CronJob shaped like Kubernetes' validation_test.go fixtures (name `mycronjob`, container `abc`). */
export const baseCronJob = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: mycronjob
  namespace: default
spec:
  schedule: "* * * * ?"
  concurrencyPolicy: Allow
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: abc
            image: image
            imagePullPolicy: IfNotPresent
`;

/** A valid Job shaped like Kubernetes' validation_test.go fixtures (name `myjob`). */
export const baseJob = `apiVersion: batch/v1
kind: Job
metadata:
  name: myjob
  namespace: default
spec:
  parallelism: 1
  template:
    spec:
      restartPolicy: OnFailure
      containers:
      - name: abc
        image: image
        imagePullPolicy: IfNotPresent
`;
