/**
 * The signals a command treats as Ctrl-C: the terminal's interrupt, a polite
 * kill (a supervisor, `timeout`, CI cancelling a job) and a closed terminal or
 * SSH session. Each command undoes what it started and exits 130 on any of them.
 */
export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Calls `listener` on each interrupt signal until the returned function is called. */
export function onInterrupt(listener: (signal: NodeJS.Signals) => void): () => void {
  for (const signal of INTERRUPT_SIGNALS) process.on(signal, listener);
  return () => {
    for (const signal of INTERRUPT_SIGNALS) process.off(signal, listener);
  };
}
