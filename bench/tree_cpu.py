#!/usr/bin/env python3
"""Prints the CPU seconds (utime + stime, /proc/PID/stat) that the given processes and their
children have used so far: a server's own cost, whatever the load generator beside it costs.
nginx's workers are its master's children, so the master's pid covers them.

usage: tree_cpu.py PID..."""
import os
import sys


def children(pid):
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    out += [int(c) for c in f.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return out


def cpu_ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return 0
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat(5)


total = 0
for arg in sys.argv[1:]:
    for pid in [int(arg)] + children(int(arg)):
        total += cpu_ticks(pid)
print(total / os.sysconf("SC_CLK_TCK"))
