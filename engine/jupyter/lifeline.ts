// A kernel started by a Jupyter client must not outlive it. jupyter_client starts kernels in a
// new session (so the client's death sends them no signal) and names itself in JPY_PARENT_PID;
// we poll for the parent's disappearance, as ipykernel's ParentPoller does.
export function watchParent(onGone: (why: string) => void, env: NodeJS.ProcessEnv = process.env, everyMs = 1000): () => void {
  const startPpid = process.ppid;
  const named = Number(env.JPY_PARENT_PID);
  const parentPid = Number.isInteger(named) && named > 1 ? named : null;
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  const timer = setInterval(() => {
    if (process.platform !== 'win32' && process.ppid !== startPpid) onGone(`the parent process ${startPpid} went away`);
    else if (parentPid !== null && !alive(parentPid)) onGone(`the Jupyter client (pid ${parentPid}) went away`);
    else return;
    clearInterval(timer);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
