"""Seconds from spawning a command on a pseudo-terminal to the first output matching a pattern.

Usage: first-output.py REGEX CWD -- COMMAND...
Prints the seconds as a float, then kills the command. With REGEX '$^' it waits for the command to exit.
"""
import os
import pty
import re
import select
import signal
import sys
import time


def main() -> None:
    pattern, cwd = re.compile(sys.argv[1]), sys.argv[2]
    command = sys.argv[sys.argv.index("--") + 1 :]
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(cwd)
        os.execvp(command[0], command)
    seen = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 30)
        if not ready:
            raise SystemExit("timed out")
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            break
        seen += chunk
        if pattern.search(seen.decode("utf-8", "replace")):
            break
    elapsed = time.perf_counter() - start
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
    print(f"{elapsed:.6f}")


if __name__ == "__main__":
    main()
