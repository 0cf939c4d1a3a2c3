#!/usr/bin/env python3
"""A/B timing on a noisy host: runs the given shell commands alternately N times
and prints, for each, the median and minimum wall time and the median user and
system time of its runs. Alternating spreads the host's slow and fast moments
over all commands; compare medians, never single runs.

    scripts/ab.py 6 'OLD/polc run …' 'target/release/polc run …'
    scripts/ab.py --before 'rm -f out.jsonl' 6 'OLD/polc run … -o out.jsonl' …

--before CMD runs CMD, untimed, before each timed run: replacing an existing
output file makes the file system free the old one inside the timed run
(0.15 s for 475 MB on this VM), which is not the work being compared.
"""
import resource
import statistics
import subprocess
import sys
import time


def main() -> None:
    args = sys.argv[1:]
    before = None
    if args[:1] == ["--before"] and len(args) > 1:
        before, args = args[1], args[2:]
    if len(args) < 2:
        sys.exit(__doc__)
    rounds, commands = int(args[0]), args[1:]
    times = {c: [] for c in commands}
    for _ in range(rounds):
        for command in commands:
            if before:
                subprocess.run(before, shell=True, check=True)
            usage, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.time()
            subprocess.run(command, shell=True, check=True)
            wall, after = time.time() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
            times[command].append((wall, after.ru_utime - usage.ru_utime, after.ru_stime - usage.ru_stime))
    for i, command in enumerate(commands):
        wall, user, system = zip(*times[command])
        print(
            f"[{i}] wall median {statistics.median(wall):.3f} s, min {min(wall):.3f} s | "
            f"user median {statistics.median(user):.3f} s | system median {statistics.median(system):.3f} s   {command[:70]}"
        )


if __name__ == "__main__":
    main()
