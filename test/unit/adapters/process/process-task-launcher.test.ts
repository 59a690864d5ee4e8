import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TaskLaunchError } from '../../../../src/errors.ts';
import { ManualClock } from '../../../../src/adapters/clock/clock.ts';
import { FileLogSink } from '../../../../src/adapters/files/file-log-sink.ts';
import { ProcessTaskLauncher } from '../../../../src/adapters/process/process-task-launcher.ts';
import {
  claimTaskRecord,
  findTaskPid,
  readTaskExit,
  SUPERVISOR_SCRIPT,
  taskRecordBase,
  writeTaskStop,
} from '../../../../src/adapters/process/task-records.ts';
import type { TaskEvents, TaskExit } from '../../../../src/ports/task-launcher.ts';
import type { Pod } from '../../../../src/spec/types.ts';
import { aBatchJob, aJobPod } from '../../../support/builders.ts';

const clock = new ManualClock(Date.parse('2026-03-02T10:00:00Z'));

/** Polls (real time: these are real processes) until `check` holds, for at most 10 s. */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe('ProcessTaskLauncher: one process per pod attempt', () => {
  let dir: string;
  let exits: TaskExit[];
  let starts: string[];
  let launcher: ProcessTaskLauncher;
  let logs: FileLogSink;
  const events = (): TaskEvents => ({ started: (t) => void starts.push(t.podName), exited: (e) => void exits.push(e) });
  /** A launcher in a runtime that dies: its reports are never stored, so it keeps every record (a crash follows). */
  const dyingLauncher = () =>
    new ProcessTaskLauncher({
      logs,
      pidDir: join(dir, 'pids'),
      clock,
      events: { started: () => {}, exited: () => new Promise<void>(() => {}) },
    });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jobctl-launcher-'));
    exits = [];
    starts = [];
    logs = new FileLogSink(join(dir, 'logs'));
    launcher = new ProcessTaskLauncher({ logs, pidDir: join(dir, 'pids'), clock, cwd: dir, events: events() });
  });
  afterEach(async () => {
    await launcher.stopAll('test over', 100);
    await rm(dir, { recursive: true, force: true });
  });

  const pod = (script = 'echo ran', restartCount = 0, name = 'once-x7k2q'): Pod => {
    const p = aJobPod(aBatchJob({ name: 'once' }), { phase: 'Pending' });
    p.metadata.name = name;
    p.metadata.labels = { ...p.metadata.labels, 'job-name': 'once' };
    p.spec = { ...p.spec, containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', script] }] };
    if (restartCount > 0)
      p.status.containerStatuses = [
        { name: 'main', image: 'busybox', restartCount, state: { waiting: { reason: 'CrashLoopBackOff' } } },
      ];
    return p;
  };

  it('runs a pod once when two syncs launch it at the same time, and again only for its next attempt', async () => {
    await Promise.all([launcher.launch(pod()), launcher.launch(pod())]);
    expect(launcher.runningCount).toBe(1);
    await until(() => exits.length === 1);
    // A sync that read the pod before its exit was recorded launches it again: nothing runs.
    await launcher.launch(pod());
    expect(launcher.runningCount).toBe(0);
    await launcher.launch(pod('echo ran', 1));
    await until(() => exits.length === 2);
    expect(exits.map((e) => [e.exitCode, e.attempt])).toEqual([
      [0, 0],
      [0, 1],
    ]);
    expect(await readFile(logs.pathFor('default', 'once-x7k2q'), 'utf8')).toBe('ran\nran\n');
    expect(readdirSync(join(dir, 'pids'))).toEqual([]); // every record goes once its exit is stored
  });

  it('never launches an attempt another runtime launched (its record is claimed exclusively)', async () => {
    const other = dyingLauncher();
    await other.launch(pod('echo ran'));
    await launcher.launch(pod('echo ran'));
    expect(launcher.runningCount).toBe(0);
    await until(() => existsSync(join(dir, 'pids', 'default__once-x7k2q__0.exit')));
    expect(await readFile(logs.pathFor('default', 'once-x7k2q'), 'utf8')).toBe('ran\n');
  });

  it(
    'after a crash, records the exit of a task that ended meanwhile with its real code, not Lost ' + '(audit D5)',
    async () => {
      await dyingLauncher().launch(pod('exit 3'));
      await until(() => existsSync(join(dir, 'pids', 'default__once-x7k2q__0.exit')));
      expect(launcher.adopt()).toMatchObject({ running: 0, exited: 1, vanished: 0 });
      await until(() => exits.length === 1);
      expect(starts).toEqual(['once-x7k2q']); // a start the dead runtime may not have stored comes first
      expect(exits[0]).toMatchObject({
        podName: 'once-x7k2q',
        jobName: 'once',
        exitCode: 3,
        reason: 'Error',
        attempt: 0,
      });
      expect(exits[0]!.disruption).toBeUndefined();
      expect(readdirSync(join(dir, 'pids'))).toEqual([]);
    },
  );

  it('after a crash, adopts a task still running and reports its exit when it ends', async () => {
    const marker = join(dir, 'go');
    await dyingLauncher().launch(pod(`while [ ! -f ${marker} ]; do sleep 0.02; done; echo finished`));
    await until(() => findTaskPid(join(dir, 'pids'), 'default', 'once-x7k2q') !== undefined);
    expect(launcher.adopt()).toMatchObject({ running: 1, exited: 0 });
    expect(launcher.isRunning('default', 'once-x7k2q')).toBe(true);
    await launcher.launch(pod()); // the sync that follows the start: nothing more runs
    await writeFile(marker, '');
    await until(() => exits.length === 1);
    expect(exits[0]).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(await readFile(logs.pathFor('default', 'once-x7k2q'), 'utf8')).toBe('finished\n');
  });

  it('an adopted task can be stopped; its exit carries the stop reason', async () => {
    await dyingLauncher().launch(pod(`touch ${join(dir, 'started')}; sleep 30`));
    await until(() => existsSync(join(dir, 'started')));
    launcher.adopt();
    expect(await launcher.stop(pod(), 'DeadlineExceeded')).toBe(true);
    await until(() => exits.length === 1);
    expect(exits[0]).toMatchObject({ exitCode: 143, reason: 'DeadlineExceeded' });
  });

  it('a task whose whole group was killed while no runtime watched is Lost, as a disruption', async () => {
    await dyingLauncher().launch(pod(`touch ${join(dir, 'started')}; sleep 30`));
    await until(() => existsSync(join(dir, 'started')));
    let pid: number | undefined;
    await until(() => {
      pid = findTaskPid(join(dir, 'pids'), 'default', 'once-x7k2q');
      return pid !== undefined;
    });
    process.kill(-pid!, 'SIGKILL');
    await until(() => {
      try {
        process.kill(pid!, 0);
        return false;
      } catch {
        return true;
      }
    });
    expect(launcher.adopt()).toMatchObject({ vanished: 1 });
    await until(() => exits.length === 1);
    expect(exits[0]).toMatchObject({ exitCode: 137, reason: 'Lost', disruption: { reason: 'DeletionByPodGC' } });
  });

  it('a task the controller stopped that vanished counts as the stop, not as a disruption', async () => {
    // Started for sure: a supervisor killed before its command started is an attempt never started (launched again).
    await dyingLauncher().launch(pod(`touch ${join(dir, 'started')}; sleep 30`));
    await until(() => existsSync(join(dir, 'started')));
    let pid: number | undefined;
    await until(() => {
      pid = findTaskPid(join(dir, 'pids'), 'default', 'once-x7k2q');
      return pid !== undefined;
    });
    writeTaskStop(
      join(dir, 'pids'),
      { namespace: 'default', podName: 'once-x7k2q', attempt: 0 },
      { reason: 'DeadlineExceeded', graceMs: 30_000 },
    );
    process.kill(-pid!, 'SIGKILL');
    await until(() => findTaskPid(join(dir, 'pids'), 'default', 'once-x7k2q') === undefined);
    expect(launcher.adopt()).toMatchObject({ vanished: 1 });
    await until(() => exits.length === 1);
    expect(exits[0]).toMatchObject({ exitCode: 137, reason: 'DeadlineExceeded' });
    expect(exits[0]!.disruption).toBeUndefined();
  });

  it("records the exit whatever the pod's PATH (the supervisor's own mv is the system's)", async () => {
    const noPath = pod();
    noPath.spec.containers[0]!.command = ['/bin/sh', '-c', 'exit 3'];
    noPath.spec.containers[0]!.env = [{ name: 'PATH', value: '/nonexistent' }];
    await dyingLauncher().launch(noPath);
    await until(() => existsSync(join(dir, 'pids', 'default__once-x7k2q__0.exit')));
    expect(launcher.adopt()).toMatchObject({ exited: 1 });
    await until(() => exits.length === 1);
    expect(exits[0]).toMatchObject({ exitCode: 3, reason: 'Error' });
  });

  it('reads an empty or partial exit file as no exit (not as 0)', async () => {
    const record = { namespace: 'default', podName: 'once-x7k2q', attempt: 0 };
    await mkdir(join(dir, 'pids'), { recursive: true });
    await writeFile(join(dir, 'pids', 'default__once-x7k2q__0.exit'), '');
    expect(readTaskExit(join(dir, 'pids'), record)).toBeUndefined();
    await writeFile(join(dir, 'pids', 'default__once-x7k2q__0.exit'), '0\n');
    expect(readTaskExit(join(dir, 'pids'), record)).toMatchObject({ exitCode: 0 });
  });

  it('an attempt claimed but never spawned is forgotten, and launched by the next sync', async () => {
    claimTaskRecord(join(dir, 'pids'), {
      namespace: 'default',
      jobName: 'once',
      podName: 'once-x7k2q',
      attempt: 0,
      launchedAtMs: clock.now(),
    });
    expect(launcher.adopt()).toMatchObject({ neverStarted: 1 });
    await launcher.launch(pod());
    await until(() => exits.length === 1);
    expect(await readFile(logs.pathFor('default', 'once-x7k2q'), 'utf8')).toBe('ran\n');
  });

  it('keeps the record while the exit is not stored, so a later runtime records it', async () => {
    const failing = new ProcessTaskLauncher({
      logs,
      pidDir: join(dir, 'pids'),
      clock,
      events: { started: () => {}, exited: () => Promise.reject(new Error('store down')) },
    });
    await failing.launch(pod('exit 0'));
    await until(() => failing.runningCount === 0);
    expect(launcher.adopt()).toMatchObject({ exited: 1 });
    await until(() => exits.length === 1);
    expect(exits[0]).toMatchObject({ exitCode: 0 });
  });

  it(
    'a clean stop of the runtime ends tasks as a disruption (TerminationByKubelet), not a failure of ' + 'theirs',
    async () => {
      // Started for sure: a stop that lands while the supervisor forks the command is only ended by the SIGKILL (137).
      await launcher.launch(pod(`touch ${join(dir, 'started')}; sleep 30`));
      await until(() => existsSync(join(dir, 'started')));
      await launcher.stopAll('RuntimeStopped', 1_000);
      expect(exits[0]).toMatchObject({
        exitCode: 143,
        reason: 'RuntimeStopped',
        disruption: { reason: 'TerminationByKubelet' },
      });
    },
  );

  it('a stop sent the moment a task was launched ends it, within its grace period, with the stop reason', async () => {
    const quick = (name: string) => {
      const p = pod('sleep 30', 0, name);
      p.spec.terminationGracePeriodSeconds = 1;
      return p;
    };
    for (let i = 0; i < 10; i++) {
      await launcher.launch(quick(`quick-${i}`));
      expect(await launcher.stop(quick(`quick-${i}`), 'DeadlineExceeded')).toBe(true);
    }
    await until(() => exits.length === 10);
    expect(exits.map((e) => e.reason)).toEqual(Array(10).fill('DeadlineExceeded'));
  });

  it(
    "after a crash during a clean stop (a second Ctrl-C), the exits still count as the runtime's, not the " + "tasks'",
    async () => {
      const dying = dyingLauncher();
      await dying.launch(pod(`touch ${join(dir, 'started')}; sleep 30`));
      await until(() => existsSync(join(dir, 'started')));
      void dying.stopAll('RuntimeStopped', 60_000); // never ends: its reports are never stored
      await until(() => existsSync(join(dir, 'pids', 'default__once-x7k2q__0.exit')));
      expect(launcher.adopt()).toMatchObject({ exited: 1 });
      await until(() => exits.length === 1);
      expect(exits[0]).toMatchObject({
        exitCode: 143,
        reason: 'RuntimeStopped',
        disruption: { reason: 'TerminationByKubelet' },
      });
    },
  );

  describe("an orphaned supervisor, as a container's PID 1 leaves it", () => {
    let parent: ChildProcess | undefined;
    afterEach(() => void parent?.kill('SIGKILL'));
    /**
     * Starts the attempt's supervisor under a parent that never reaps it (it became `sleep`): the dead runtime's
     * orphan.
     */
    const orphan = async (script: string) => {
      const record = {
        namespace: 'default',
        jobName: 'once',
        podName: 'once-x7k2q',
        attempt: 0,
        launchedAtMs: clock.now(),
      };
      claimTaskRecord(join(dir, 'pids'), record);
      const base = taskRecordBase(join(dir, 'pids'), 'default', 'once-x7k2q', 0);
      parent = spawn(
        '/bin/sh',
        [
          '-c',
          `/bin/sh -c "$0" jobctl-task 0022 "$1" /bin/sh -c "$2" & exec sleep 30`,
          SUPERVISOR_SCRIPT,
          base,
          script,
        ],
        { stdio: 'ignore' },
      );
      await until(() => existsSync(`${base}.pid`));
      return base;
    };

    it('is seen to end although it stays a zombie', async () => {
      await orphan('sleep 0.3; exit 4');
      expect(launcher.adopt()).toMatchObject({ running: 1 });
      await until(() => exits.length === 1);
      expect(exits[0]).toMatchObject({ exitCode: 4, reason: 'Error' });
    });

    it('is adopted, not launched again, when the runtime died before writing its pid', async () => {
      const base = await orphan('sleep 0.3; echo ran');
      rmSync(`${base}.pid`);
      expect(launcher.adopt()).toMatchObject({ running: 1, neverStarted: 0 });
      await launcher.launch(pod('echo ran'));
      await until(() => exits.length === 1);
      expect(exits[0]).toMatchObject({ exitCode: 0, reason: 'Completed' });
      expect(starts).toEqual(['once-x7k2q']);
    });
  });

  it(
    'a launch that failed after the claim (its log file cannot be opened) gives the claim back: the next sync ' +
      'launches it',
    async () => {
      const log = logs.pathFor('default', 'once-x7k2q');
      await mkdir(log, { recursive: true }); // EISDIR
      await expect(launcher.launch(pod())).rejects.toThrow(/EISDIR/);
      expect(existsSync(join(dir, 'pids', 'default__once-x7k2q__0.task'))).toBe(false);
      await rm(log, { recursive: true });
      await launcher.launch(pod());
      await until(() => exits.length === 1);
      expect(await readFile(log, 'utf8')).toBe('ran\n');
    },
  );

  it("never names for a stop a pid that is no longer the task's supervisor", async () => {
    claimTaskRecord(join(dir, 'pids'), {
      namespace: 'default',
      jobName: 'once',
      podName: 'once-x7k2q',
      attempt: 0,
      launchedAtMs: clock.now(),
    });
    await writeFile(join(dir, 'pids', 'default__once-x7k2q__0.pid'), `${process.pid}\n`); // reused by this process
    expect(findTaskPid(join(dir, 'pids'), 'default', 'once-x7k2q')).toBeUndefined();
    expect(await launcher.stop(pod(), 'DeadlineExceeded')).toBe(false);
  });

  it('gives tasks the umask jobctl started with, not the runtime own 077', async () => {
    const umasked = new ProcessTaskLauncher({
      logs,
      pidDir: join(dir, 'pids'),
      clock,
      cwd: dir,
      taskUmask: 0o022,
      events: events(),
    });
    await umasked.launch(pod('echo x > made-by-task'));
    await until(() => exits.length === 1);
    expect(statSync(join(dir, 'made-by-task')).mode & 0o777).toBe(0o644);
  });

  it("puts pathPrefix in front of a task's PATH (the jobctl script's dir); a container's own PATH wins", async () => {
    const tools = join(dir, 'tools');
    await mkdir(tools);
    await writeFile(join(tools, 'jobctl'), '#!/bin/sh\necho "jobctl $*"\n', { mode: 0o700 });
    const prefixed = new ProcessTaskLauncher({
      logs,
      pidDir: join(dir, 'pids'),
      clock,
      cwd: dir,
      baseEnv: { PATH: '/usr/bin:/bin' },
      pathPrefix: [tools],
      events: events(),
    });
    const byName = pod();
    byName.spec.containers[0]!.command = ['jobctl', 'worker', '--queue', 'job2'];
    const ownPath = pod('echo "$PATH"', 0, 'own-path-x7k2q');
    ownPath.spec.containers[0]!.env = [{ name: 'PATH', value: '/bin:$(PATH)' }];

    await prefixed.launch(byName);
    await prefixed.launch(ownPath);
    await until(() => exits.length === 2);

    expect({
      byName: await readFile(logs.pathFor('default', 'once-x7k2q'), 'utf8'),
      ownPath: await readFile(logs.pathFor('default', 'own-path-x7k2q'), 'utf8'),
    }).toEqual({ byName: 'jobctl worker --queue job2\n', ownPath: `/bin:${tools}:/usr/bin:/bin\n` });
  });

  it('hands a work item over on stdin, byte for byte', async () => {
    const p = pod('cat');
    p.metadata.annotations = { 'jobctl.dev/work-item-id': 'i1' };
    p.spec.containers[0]!.env = [{ name: 'JOB_ITEM', value: 'apple $$HOME' }];
    await launcher.launch(p);
    await until(() => exits.length === 1);
    expect(await readFile(logs.pathFor('default', 'once-x7k2q'), 'utf8')).toBe('apple $HOME\n');
  });

  describe('a launch that can never succeed is a StartError, not a sync retried for ever (audit D6, D13, D15)', () => {
    const startError = async (p: Pod) => {
      const error = await launcher.launch(p).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TaskLaunchError);
      expect((error as TaskLaunchError).retryable).toBe(false);
      expect(launcher.runningCount).toBe(0);
      return (error as Error).message;
    };

    it('a NUL byte in an argument or in the environment', async () => {
      expect(await startError(pod('echo a\0b'))).toMatch(/cannot start "sh": .*null bytes/);
      const p = pod('true', 0, 'env-nul-abcde');
      p.spec.containers[0]!.env = [{ name: 'V', value: 'a\0b' }];
      expect(await startError(p)).toMatch(/null bytes/);
      expect(readdirSync(join(dir, 'pids'))).toEqual([]);
    });

    it('an argument beyond the OS limit (E2BIG)', async () => {
      expect(await startError(pod(`echo ${'x'.repeat(300_000)}`))).toMatch(/E2BIG/);
    });

    it('an executable that does not exist, named as runc names it', async () => {
      const p = pod();
      p.spec.containers[0]!.command = ['no-such-command-jobctl'];
      expect(await startError(p)).toBe('exec: "no-such-command-jobctl": executable file not found in $PATH');
      expect(await readFile(logs.pathFor('default', 'once-x7k2q'), 'utf8')).toContain('executable file not found');
    });

    it('a workingDir that does not exist (not "spawn sh ENOENT")', async () => {
      const p = pod();
      p.spec.containers[0]!.workingDir = '/no/such/dir';
      expect(await startError(p)).toBe('chdir to cwd ("/no/such/dir") set in workingDir failed: no such directory');
    });

    it('a stored name that would become a path outside the state dir', async () => {
      expect(await startError(pod('true', 0, '../../../../tmp/jobctl-esc'))).toMatch(
        /not a valid namespace and pod name/,
      );
      expect(existsSync(join(dir, 'logs', 'default'))).toBe(false);
    });
  });
});
