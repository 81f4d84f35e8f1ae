#!/usr/bin/env python3
"""on_tty.py CMD...: run CMD with stdout and stderr on a pseudo-terminal; print what it wrote
(carriage returns as <CR>, escapes as <ESC>) and exit with its status."""
import os
import pty
import sys

pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:  # EIO: the child closed the terminal
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r", "<CR>").replace("\x1b", "<ESC>"))
sys.exit(os.waitstatus_to_exitcode(status))
