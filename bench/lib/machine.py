"""The machine facts the benchmarks report, read from /proc."""


def cpu_model():
    """Return the CPU's model name from /proc/cpuinfo, or "unknown"."""
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def memory_kib():
    """Return the machine's memory in KiB (MemTotal of /proc/meminfo)."""
    with open("/proc/meminfo", encoding="utf-8") as meminfo:
        return int(meminfo.readline().split()[1])
