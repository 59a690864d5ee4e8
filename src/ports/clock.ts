/**
 * Time, injected everywhere a decision depends on it, so tests pass a minute in milliseconds.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `callback` once `now() >= atMs`; returns a cancel function. */
  setTimer(atMs: number, callback: () => void): () => void;
}
