"""What the scripts that compare tyr with gdb share: running a program for its output, and
the reason to skip (CTest's code 77) when a binary or gdb itself is not on this machine."""
import os
import shutil
import subprocess

SKIP = 77


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def missing(files):
    """Why the comparison cannot run here (a file or gdb absent), or None."""
    for f in files:
        if not os.path.exists(f):
            return "%s is not installed" % f
    if not shutil.which("gdb"):
        return "gdb is not installed"
    return None
