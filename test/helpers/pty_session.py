"""Drive a command on a pseudo-terminal, as a person at a keyboard would.

Usage: pty_session.py SCRIPT.json
SCRIPT holds {"argv": [...], "cwd": "...", "env": {...}, "steps": [{"expect": REGEX, "send": TEXT, "signal"?: NAME}], "timeout": S}.
Prints a JSON object: {"code": exit code, "transcript": everything the program showed, "failed_step": index or null}.
"""
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def main() -> None:
    script = json.load(open(sys.argv[1], encoding="utf-8"))
    pid, fd = pty.fork()
    if pid == 0:
        # A wide terminal, so that prompts and messages are not wrapped mid-word.
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 250, 0, 0))
        os.chdir(script["cwd"])
        os.execvpe(script["argv"][0], script["argv"], {**os.environ, **script.get("env", {})})
    deadline = time.monotonic() + script.get("timeout", 30)
    raw = b""
    consumed = 0
    failed = None

    def read(wait: float) -> bool:
        nonlocal raw
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            return True
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return False
        if not chunk:
            return False
        raw += chunk
        return True

    alive = True
    for index, step in enumerate(script["steps"]):
        pattern = re.compile(step["expect"])
        while True:
            text = ANSI.sub("", raw.decode("utf-8", "replace"))
            match = pattern.search(text, consumed)
            if match:
                consumed = match.end()
                break
            if not alive or time.monotonic() > deadline:
                failed = index
                break
            alive = read(0.1)
        if failed is not None:
            break
        time.sleep(0.15)
        if step.get("signal"):
            # A signal sent to the program alone, as `kill` or a supervisor sends it.
            os.kill(pid, getattr(signal, step["signal"]))
        else:
            os.write(fd, step["send"].encode("utf-8"))

    if failed is not None:
        os.kill(pid, signal.SIGKILL)
    while alive and time.monotonic() < deadline:
        alive = read(0.1)
    try:
        _, status = os.waitpid(pid, 0 if not alive else os.WNOHANG)
    except ChildProcessError:
        status = 0
    if alive:
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    print(json.dumps({"code": code, "transcript": ANSI.sub("", raw.decode("utf-8", "replace")), "failed_step": failed}))


if __name__ == "__main__":
    main()
