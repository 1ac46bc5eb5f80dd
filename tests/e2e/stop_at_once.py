#!/usr/bin/env python3
"""Every serve command stops cleanly (exit 0) on a SIGTERM sent the moment it says it is
listening: the handlers are in place before the line is printed (a script that reads the
line and stops the server at once must not kill it).

usage: stop_at_once.py SOCKIT WORKDIR
"""
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, fail, spawn  # noqa: E402

SOCKIT, WORK = sys.argv[1], sys.argv[2]
COMMANDS = (["chat", "serve", "--tcp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data", "none"],
            ["http", "serve", WORK, "--listen", "127.0.0.1:0", "--quiet"],
            ["echo", "serve", "127.0.0.1:0"],
            ["echo", "serve", "127.0.0.1:0", "--model", "async"],
            ["shop", "serve", "127.0.0.1:0", "--data", "none"])

try:
    os.makedirs(WORK, exist_ok=True)
    for cmd in COMMANDS:
        for _ in range(10):
            p = spawn([SOCKIT, *cmd], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            check(b"listening on" in p.stdout.readline(), "%s did not say it listens" % cmd[0])
            p.send_signal(signal.SIGTERM)
            rc = p.wait(timeout=20)
            check(rc == 0, "%s %s: exit %d on a SIGTERM right after 'listening'" % (cmd[0], cmd[1], rc))
    print("stop at once: ok")
except (OSError, subprocess.SubprocessError) as e:
    fail(repr(e))
