"""What this machine or container may use: cores and memory from its own cgroup (v1 or v2), not the host's."""

import math
import os
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")


def _own_dirs(root, controller, proc_cgroup):
    """The folders of this process's cgroup for a controller, innermost first, up to the mount's root."""
    path = ""
    try:
        for line in Path(proc_cgroup).read_text().splitlines():
            _, controllers, where = line.split(":", 2)
            if set(controller.split(",")) & set(controllers.split(",")):  # "" is cgroup v2's one hierarchy
                path = where.strip("/")
                break
    except (OSError, ValueError):
        pass
    base = root / controller if controller else root
    dirs = []
    parts = path.split("/") if path else []
    for depth in range(len(parts), -1, -1):  # a container sees its own cgroup at the mount's root
        candidate = base.joinpath(*parts[:depth])
        if candidate.is_dir():
            dirs.append(candidate)
    return dirs or [base]


def _read(path):
    try:
        return Path(path).read_text().split()
    except OSError:
        return None


def cpu_limit(root=ROOT, proc_cgroup="/proc/self/cgroup"):
    """Cores this process may use: its CPU quota if one is set anywhere up its cgroup, else the CPUs it may run on."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    for folder in _own_dirs(root, "", proc_cgroup):
        value = _read(folder / "cpu.max")  # v2: "max 100000" or "150000 100000"
        if value and value[0] != "max":
            cores = min(cores, int(value[0]) / int(value[1]))
    for controller in ("cpu,cpuacct", "cpu"):
        for folder in _own_dirs(root, controller, proc_cgroup):
            quota, period = _read(folder / "cpu.cfs_quota_us"), _read(folder / "cpu.cfs_period_us")
            if quota and period and int(quota[0]) > 0:
                cores = min(cores, int(quota[0]) / int(period[0]))
        if (root / controller).is_dir():
            break
    return max(1, math.ceil(cores))


def memory_limit(root=ROOT, proc_cgroup="/proc/self/cgroup"):
    """Bytes of memory this process's cgroup may hold (the tightest up its tree), or None when it has no limit."""
    limits = []
    for folder in _own_dirs(root, "", proc_cgroup):
        value = _read(folder / "memory.max")  # v2
        if value and value[0] != "max":
            limits.append(int(value[0]))
    for folder in _own_dirs(root, "memory", proc_cgroup):
        value = _read(folder / "memory.limit_in_bytes")  # v1: a huge number when unlimited
        if value:
            limits.append(int(value[0]))
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    limits = [limit for limit in limits if limit < physical]
    return min(limits) if limits else None


def workers(per_worker_mb, master_mb):
    """One worker per core this process may use, no more than fit in its memory limit at their peaks (at least 1)."""
    count = cpu_limit()
    memory = memory_limit()
    if memory is not None:
        count = min(count, (memory // 2**20 - master_mb) // per_worker_mb)
    return max(1, int(count))
