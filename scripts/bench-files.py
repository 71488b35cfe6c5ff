#!/usr/bin/env python3
"""bench-files: WeTalk file transfers against a bare TLS 1.3 stream.

Usage: bench-files.py BIN SIZE_MIB (TLS_MBPS TLS_CPU_S_PER_GIB | - -) [SHA256 WRITE READ]

Starts `BIN serve` in its own process and two `BIN chat --json` members,
A and B, then measures on a file of SIZE_MIB MiB of random bytes:
  upload      A shares the file, until A's `uploaded` event
  download    B fetches it, until B's `downloaded` event
  end to end  A shares it again and B fetches it as soon as its `file`
              event arrives: the host announces a file as its upload starts
              (`"uploading": true`) and B downloads it while A uploads
              (cut-through), from A's command until B's `downloaded` event
Store and forward (the legs one after the other) is derived from the
first two. Each as MB/s and as a ratio to the TLS stream measured just before in the
same run (see FILES_STREAM), with the CPU-seconds per GiB of each process (from /proc) and of
the whole machine (/proc/stat: the kernel's threads too), and
the host's peak resident memory over its resident memory before the
transfers. Prints a table for people, then one JSON line.

SHA256 WRITE READ are the CPU-seconds per GiB of the work a transfer
cannot do without besides TLS (BenchmarkLegWork in backend/transfer,
measured in the same run). Given them, each path also gets its ceiling:
the rate at which this machine's cores, all busy, would do only that
work and TLS (TLS_CPU_S_PER_GIB, both ends), nothing else:
  upload      TLS + SHA-256 (the host's) + A's read + the host's write
  download    TLS + SHA-256 (B's) + the host's read + B's write
  end to end  both legs' TLS + SHA-256 twice + two reads + two writes
(A does not hash what it sends: the host's hash of what it received
stands, and A tells a file that changed on the way by its size and time.)
It is an upper bound: it leaves out framing, copies, handing chunks
between goroutines and processes, and the kernel's write-back threads.

With FILES_PERF=DIR, each path runs under `perf record -a -g` (the whole
machine, 999 samples per second), into DIR/upload.data, download.data and
end_to_end.data, and DIR/run.json names the processes; then
`python3 scripts/perf-files.py DIR` says where each process's CPU went.
perf slows the transfers: the figures of such a run are not the benchmark's.

With FILES_STREAM=COMMAND (a command that prints a BenchmarkTLSStream
line, as scripts/bench gives it), the stream is measured again right
before each path, and that path's ratio (and ceiling) is to its own
stream: the machine's speed drifts within minutes, and a stream measured
seconds before a leg says more about the leg than one measured before
all three. TLS_MBPS and TLS_CPU_S_PER_GIB are then the run's first
stream, printed as such and used for store and forward; given as - -,
the script measures that one too, before anything else.
"""
import json
import os
import queue
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

TICKS = os.sysconf("SC_CLK_TCK")


def cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def machine_cpu():
    """CPU-seconds all cores have spent busy since boot (/proc/stat): the
    three processes, the kernel's threads (write-back, network) and
    whatever else runs."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / TICKS  # all but idle and iowait


def status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


class Member:
    """A `chat --json` process whose events are read into a queue."""

    def __init__(self, bin, invite, name, state):
        self.p = subprocess.Popen(
            [bin, "chat", "--json", "--invite", invite, "--name", name, "--state-dir", state],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.events = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.wait(lambda e: e["type"] == "welcome")

    def _read(self):
        for line in self.p.stdout:
            self.events.put((time.monotonic(), json.loads(line)))
        self.events.put((time.monotonic(), {"type": "eof"}))

    def send(self, cmd):
        self.p.stdin.write(json.dumps(cmd) + "\n")
        self.p.stdin.flush()

    def wait(self, match, timeout=1800):
        """Returns (time, event) of the first event matching; fails on an
        error event or the end of the process."""
        deadline = time.monotonic() + timeout
        while True:
            t, e = self.events.get(timeout=max(deadline - time.monotonic(), 0.1))
            if e["type"] in ("error", "eof"):
                sys.exit(f"bench-files: {e}")
            if match(e):
                return t, e

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=60)


def close_room(host, *members):
    """Ends the members' chat processes, then the host's."""
    for m in members:
        m.close()
    host.terminate()
    host.wait(timeout=60)


def random_file(work, size_mib):
    """Writes work/random.bin, size_mib MiB of random bytes; returns its path."""
    src = os.path.join(work, "random.bin")
    with open(src, "wb") as f:
        for _ in range(size_mib):
            f.write(os.urandom(1 << 20))
    return src


def main():
    bin, size_mib = sys.argv[1], int(sys.argv[2])
    perf_dir = os.environ.get("FILES_PERF")
    if perf_dir and not shutil.which("perf"):
        sys.exit("bench-files: FILES_PERF needs perf (Debian's linux-perf)")
    stream_cmd = shlex.split(os.environ.get("FILES_STREAM", ""))
    have_work = len(sys.argv) >= 8
    if have_work:
        sha, write, read = map(float, sys.argv[5:8])
        cores = len(os.sched_getaffinity(0))

    def ceilings(tls_cpu):
        """Each path's ceiling in MB/s, given the stream's CPU-s/GiB."""
        if not have_work:
            return {}
        must = {"upload A -> host": tls_cpu + sha + read + write,
                "download host -> B": tls_cpu + sha + read + write,
                "end to end A -> B": 2 * tls_cpu + 2 * sha + 2 * read + 2 * write}
        return {k: cores / w * (1 << 30) / 1e6 for k, w in must.items()}

    def stream():
        """The stream's MB/s and CPU-s/GiB: measured now with FILES_STREAM,
        else the run's, from the arguments."""
        if not stream_cmd:
            return tls_mbps, tls_cpu
        out = subprocess.run(stream_cmd, stdout=subprocess.PIPE, text=True, check=True).stdout
        m = re.search(r"([0-9.]+) MB/s\s+([0-9.]+) cpu-s/GiB", out)
        if not m:
            sys.exit(f"bench-files: no MB/s and cpu-s/GiB in the output of {stream_cmd}: {out!r}")
        return float(m.group(1)), float(m.group(2))

    if sys.argv[3:5] == ["-", "-"]:
        if not stream_cmd:
            sys.exit("bench-files: TLS_MBPS and TLS_CPU_S_PER_GIB as - - need FILES_STREAM")
        tls_mbps, tls_cpu = stream()
    else:
        tls_mbps, tls_cpu = float(sys.argv[3]), float(sys.argv[4])
    size = size_mib << 20
    gib = size / (1 << 30)
    work = tempfile.mkdtemp(prefix="wetalk-bench-files-")
    src = random_file(work, size_mib)
    down = os.path.join(work, "down")
    os.mkdir(down)

    host = subprocess.Popen(
        [bin, "serve", "--listen", "127.0.0.1:0", "--no-rate-limit",
         "--max-upload", f"{size_mib + 1}MiB", "--room-quota", f"{3 * size_mib + 3}MiB",
         "--state-dir", os.path.join(work, "host")],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    invite = json.loads(host.stdout.readline())["invite"]
    a = Member(bin, invite, "alice", os.path.join(work, "a"))
    b = Member(bin, invite, "bob", os.path.join(work, "b"))
    rss0 = status_kib(host.pid, "VmRSS")
    try:
        with open(f"/proc/{host.pid}/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM, the peak
    except OSError:
        pass
    procs = {"host": host.pid, "A": a.p.pid, "B": b.p.pid}
    rows = []
    # What perf-files.py needs to read the profiles: who is who, how many
    # bytes, the sampling rate, and the profiles in the order they ran.
    profiled = {"pids": procs, "size_mib": size_mib, "hz": 999, "profiles": []}
    if perf_dir:
        os.makedirs(perf_dir, exist_ok=True)

    def phase(name, run):
        # What the run wrote before (the random file, the leg before) goes
        # to the disk now, not during the stream or the leg.
        os.sync()
        leg_mbps, leg_cpu = stream()
        perf = None
        if perf_dir:
            profiled["profiles"].append(run.__name__)
            perf = subprocess.Popen(["perf", "record", "-a", "-g", "-F", str(profiled["hz"]),
                                     "-o", os.path.join(perf_dir, run.__name__ + ".data")],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)  # until perf samples
        c0 = {k: cpu(p) for k, p in procs.items()}
        m0 = machine_cpu()
        secs = run()
        m1 = machine_cpu()
        c1 = {k: cpu(p) for k, p in procs.items()}
        if perf:
            perf.send_signal(signal.SIGINT)
            perf.wait(timeout=120)
        mbps = size / 1e6 / secs
        rows.append({"path": name, "mb_s": round(mbps, 1), "ratio": round(mbps / leg_mbps, 3),
                     "tls_mb_s": round(leg_mbps, 1), "tls_cpu_s_per_gib": round(leg_cpu, 3),
                     "cpu_s_per_gib": {k: round((c1[k] - c0[k]) / gib, 2) for k in procs},
                     "machine_cpu_s_per_gib": round((m1 - m0) / gib, 2),
                     "machine_busy_cores": round((m1 - m0) / secs, 2)})
        ceiling = ceilings(leg_cpu).get(name)
        if ceiling:
            rows[-1]["ceiling_mb_s"] = round(ceiling, 1)
            rows[-1]["ceiling_ratio"] = round(ceiling / leg_mbps, 3)

    state = {}

    def upload():
        t0 = time.monotonic()
        a.send({"cmd": "upload", "path": src, "name": "up.bin", "ref": "up"})
        t1, e = a.wait(lambda e: e["type"] == "uploaded" and e.get("ref") == "up")
        state["file"] = e["file"]
        # B saw it announced at the start (uploading); now it is complete.
        b.wait(lambda e: (e["type"] == "file_done" and e["id"] == state["file"])
               or (e["type"] == "file" and e["id"] == state["file"] and not e.get("uploading")))
        return t1 - t0

    def download():
        t0 = time.monotonic()
        b.send({"cmd": "download", "file": state["file"], "dir": down, "ref": "down"})
        t1, e = b.wait(lambda e: e["type"] == "downloaded" and e["file"] == state["file"])
        os.remove(e["path"])
        return t1 - t0

    def end_to_end():
        t0 = time.monotonic()
        a.send({"cmd": "upload", "path": src, "name": "e2e.bin", "ref": "e2e"})
        _, e = b.wait(lambda e: e["type"] == "file" and e["name"] == "e2e.bin")
        b.send({"cmd": "download", "file": e["id"], "dir": down, "ref": "e2e-down"})
        t1, d = b.wait(lambda d: d["type"] == "downloaded" and d["file"] == e["id"])
        state["e2e_cut_through"] = bool(e.get("uploading"))
        os.remove(d["path"])
        a.wait(lambda u: u["type"] == "uploaded" and u.get("ref") == "e2e")
        return t1 - t0

    phase("upload A -> host", upload)
    phase("download host -> B", download)
    phase("end to end A -> B", end_to_end)
    if perf_dir:
        with open(os.path.join(perf_dir, "run.json"), "w") as f:
            json.dump(profiled, f)
    peak = status_kib(host.pid, "VmHWM")
    close_room(host, a, b)
    subprocess.run(["rm", "-rf", work])

    print(f"{'path':<22} {'MB/s':>8} {'vs TLS':>7}   CPU-s/GiB")
    print(f"{'TLS 1.3 stream':<22} {tls_mbps:>8.1f} {'1.00':>7}   {tls_cpu:.2f} (both ends)")
    for r in rows:
        c = r["cpu_s_per_gib"]
        ceiling = (f"   ceiling {r['ceiling_mb_s']:.0f} MB/s ({r['ceiling_ratio']:.2f})"
                   if "ceiling_mb_s" in r else "")
        own = (f"   (stream just before: {r['tls_mb_s']:.0f} MB/s, {r['tls_cpu_s_per_gib']:.2f} CPU-s/GiB)"
               if stream_cmd else "")
        print(f"{r['path']:<22} {r['mb_s']:>8.1f} {r['ratio']:>7.2f}   "
              f"host {c['host']:.2f}  A {c['A']:.2f}  B {c['B']:.2f}"
              f"  machine {r['machine_cpu_s_per_gib']:.2f} ({r['machine_busy_cores']:.1f} cores busy){ceiling}{own}")
    if have_work:
        tls_work = "each path's stream" if stream_cmd else f"{tls_cpu:.2f}"
        print(f"ceiling: {cores} cores doing nothing but TLS ({tls_work}),"
              f" SHA-256 ({sha:.2f}), file writes ({write:.2f}) and reads ({read:.2f}) CPU-s/GiB, measured in this run")
    # Store and forward would take the two legs one after the other.
    legs = {r["path"]: r for r in rows}
    saf = 1 / (1 / legs["upload A -> host"]["mb_s"] + 1 / legs["download host -> B"]["mb_s"])
    print(f"{'(store and forward)':<22} {saf:>8.1f} {saf / tls_mbps:>7.2f}   the two legs one after the other")
    growth = (peak - rss0) / 1024
    print(f"host RSS {rss0 / 1024:.0f} MiB before, peak {peak / 1024:.0f} MiB, growth {growth:.0f} MiB;"
          f" end to end {'cut-through' if state.get('e2e_cut_through') else 'store and forward'}")
    print(json.dumps({"size_mib": size_mib, "tls_mb_s": tls_mbps, "tls_cpu_s_per_gib": tls_cpu,
                      "paths": rows, "host_rss_mib": round(rss0 / 1024, 1),
                      "host_peak_rss_mib": round(peak / 1024, 1), "host_rss_growth_mib": round(growth, 1),
                      "cut_through": bool(state.get("e2e_cut_through")),
                      "store_and_forward_mb_s": round(saf, 1),
                      "stream_per_path": bool(stream_cmd),
                      "leg_work_cpu_s_per_gib": {"sha256": sha, "write": write, "read": read} if have_work else None}))


if __name__ == "__main__":
    main()
