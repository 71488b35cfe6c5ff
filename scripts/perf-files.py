#!/usr/bin/env python3
"""perf-files: where the CPU of a file transfer goes, per process.

Usage: perf-files.py DIR

DIR is what `FILES_PERF=DIR python3 scripts/bench-files.py ...` left:
run.json (the host's, A's and B's process ids, the file's size, perf's
sampling rate, the profiles in the order they ran) and one `perf record -a
-g` profile per path (upload.data, download.data, end_to_end.data). For each path, prints the CPU-seconds per GiB that the
host, A, B and the kernel's own threads spent, split by what the sampled
call stack was doing: the first kind below found anywhere in the stack
names the sample (so a socket send that runs the receiver's TCP stack on
loopback counts as the send). At perf's rate, that many samples are one
CPU-second.
"""
import collections
import json
import os
import subprocess
import sys

# (kind, substrings of a frame's symbol), in order of precedence.
KINDS = [
    ("SHA-256", ["sha256.block"]),
    ("AES-GCM (TLS encryption and decryption)", ["gcm.gcmAes", "aes.encryptBlock"]),
    ("file write into the page cache", ["ext4_buffered_write_iter", "ext4_file_write_iter", "generic_perform_write"]),
    ("write-back, drop-behind, fsync", ["ksys_sync_file_range", "ksys_fadvise", "__x64_sys_fadvise", "do_fsync",
                                        "__x64_sys_fsync", "__x64_sys_fdatasync", "__x64_sys_sync_file_range"]),
    ("file read", ["ext4_file_read_iter", "filemap_read", "__x64_sys_pread64"]),
    ("socket send (and, on loopback, the receiver's TCP)", ["tcp_sendmsg"]),
    ("socket receive", ["tcp_recvmsg"]),
    ("copies in Go (memmove)", ["runtime.memmove", "runtime.memclrNoHeapPointers"]),
    ("garbage collector, allocation", ["runtime.gcBgMarkWorker", "runtime.mallocgc", "runtime.gcDrain",
                                       "runtime.(*mheap)", "runtime.sweepone", "runtime.bgsweep", "runtime.bgscavenge"]),
    ("scheduler, channels, futex, sysmon", ["runtime.schedule", "runtime.findRunnable", "runtime.futex",
                                            "runtime.sysmon", "runtime.usleep", "runtime.notesleep", "runtime.netpoll",
                                            "runtime.park_m", "runtime.mcall", "runtime.exitsyscall",
                                            "runtime.entersyscall", "runtime.stealWork", "runtime.wakep",
                                            "runtime.ready", "runtime.goready", "runtime.selectgo",
                                            "runtime.chansend", "runtime.chanrecv", "__x64_sys_futex",
                                            "__x64_sys_epoll_wait", "runtime.nanotime"]),
    ("TLS records (crypto/tls)", ["crypto/tls."]),
    ("WeTalk's own code", ["wetalk/"]),
]


def kind(stack):
    for name, subs in KINDS:
        if any(s in frame for frame in stack for s in subs):
            return name
    return "other"


def samples(data):
    """Yields (comm, pid, stack) for each sample of a perf.data file."""
    out = subprocess.run(["perf", "script", "-i", data, "-F", "comm,pid,ip,sym"],
                         capture_output=True, text=True, check=True).stdout
    for block in out.split("\n\n"):
        lines = block.strip("\n").split("\n")
        if not lines or not lines[0].strip():
            continue
        head = lines[0].rsplit(None, 1)  # comm may hold spaces; the pid is last
        if len(head) != 2 or not head[1].isdigit():
            continue
        stack = [l.strip().split(None, 1)[-1] for l in lines[1:]]
        yield head[0].strip(), int(head[1]), stack


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    folder = sys.argv[1]
    with open(os.path.join(folder, "run.json")) as f:
        run = json.load(f)
    roles = {pid: name for name, pid in run["pids"].items()}
    gib = run["size_mib"] / 1024
    hz = run["hz"]
    order = list(run["pids"]) + ["kernel threads", "others"]
    for path in run["profiles"]:
        data = os.path.join(folder, path + ".data")
        by = collections.defaultdict(collections.Counter)
        for comm, pid, stack in samples(data):
            if pid == 0:
                continue  # idle
            who = roles.get(pid)
            if who is None:
                who = "kernel threads" if comm.startswith(("kworker", "ksoftirqd", "kswapd", "kdamond", "rcu_", "jbd2")) else "others"
            by[who][kind(stack) if who in run["pids"] else comm.split("/")[0]] += 1
        print(f"\n{path.replace('_', ' ')}: CPU-seconds per GiB (perf samples / {hz} / {gib:g} GiB)")
        for who in order:
            if not by[who]:
                continue
            total = sum(by[who].values())
            print(f"  {who:<56} {total / hz / gib:5.2f}")
            for k, n in by[who].most_common():
                print(f"    {k:<54} {n / hz / gib:5.2f}  {100 * n / total:4.0f}%")


if __name__ == "__main__":
    main()
