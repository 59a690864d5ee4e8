/** What the runtime needs to know about this machine's processes, shared by the launcher and the state directory. */

/**
 * The umask this process started with (before the runtime narrowed it to 077: `securePrivateDir`), for the tasks it
 * starts.
 */
export const ORIGINAL_UMASK: number = (() => {
  // Read without process.umask()'s deprecated no-argument form: set, then restore.
  const umask = process.umask(0o022);
  process.umask(umask);
  return umask;
})();

/** Whether a process with this pid exists (one of another user counts: EPERM). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
