"""Runs `python -m MODULE ARGS...` and records every file it opens, as DVC would need to know.

    python3 file_audit.py LOG MODULE [ARGS...]

Each line of LOG is JSON: {"path": ..., "write": bool} for an open, or
{"path": DST, "write": true, "renamed_from": SRC} for a rename or replace
(a file written beside its destination, then moved over it). Python's audit
hooks see every open by Python code and C extensions that go through it
(imports, pandas, joblib, matplotlib, torch.save).
"""

from __future__ import annotations

import json
import os
import runpy
import sys

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def main() -> None:
    log_path, module, *args = sys.argv[1:]
    log = open(log_path, "a", encoding="utf-8")  # noqa: SIM115 (open for the whole run)

    def record(event: str, hook_args: tuple[object, ...]) -> None:
        if event == "open":
            path, mode, flags = hook_args
            if not isinstance(path, (str, bytes, os.PathLike)):
                return
            if isinstance(mode, str):
                write = any(c in mode for c in "wax+")
            else:
                write = isinstance(flags, int) and bool(flags & WRITE_FLAGS)
            entry = {"path": os.path.abspath(os.fsdecode(path)), "write": write}
        elif event in ("os.rename", "os.replace"):
            src, dst = hook_args[0], hook_args[1]
            entry = {
                "path": os.path.abspath(os.fsdecode(dst)),  # type: ignore[arg-type]
                "write": True,
                "renamed_from": os.path.abspath(os.fsdecode(src)),  # type: ignore[arg-type]
            }
        else:
            return
        log.write(json.dumps(entry) + "\n")
        log.flush()

    sys.addaudithook(record)
    # As `python -m` does: the working folder first on the path, not this file's.
    sys.path[0] = os.getcwd()
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
