"""The process's peak memory (VmHWM, KiB) and pid."""
import os

with open("/proc/self/status") as status:
    peak = [line.split()[1] for line in status if line.startswith("VmHWM:")]
print("Content-Type: text/plain")
print()
print("%s %d" % (peak[0], os.getpid()))
