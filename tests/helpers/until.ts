// Waiting on a real server or socket: poll a condition with a deadline, not a count of sleeps,
// so that a loaded CI machine, whose sleeps stretch, gets the same time budget.

/** Polls `condition` (sync or async) every 10 ms until it holds; throws after `ms`. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
