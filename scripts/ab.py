#!/usr/bin/env python3
"""A/B timing on a noisy host: runs the given shell commands alternately N times
and prints, for each, the median and minimum wall time and the median user and
system time of its runs. Alternating spreads the host's slow and fast moments
over all commands; compare medians, never single runs.

    scripts/ab.py 6 'OLD/polc run …' 'target/release/polc run …'
"""
import resource
import statistics
import subprocess
import sys
import time


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    rounds, commands = int(sys.argv[1]), sys.argv[2:]
    times = {c: [] for c in commands}
    for _ in range(rounds):
        for command in commands:
            before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.time()
            subprocess.run(command, shell=True, check=True)
            wall, after = time.time() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
            times[command].append((wall, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime))
    for i, command in enumerate(commands):
        wall, user, system = zip(*times[command])
        print(
            f"[{i}] wall median {statistics.median(wall):.3f} s, min {min(wall):.3f} s | "
            f"user median {statistics.median(user):.3f} s | system median {statistics.median(system):.3f} s   {command[:70]}"
        )


if __name__ == "__main__":
    main()
