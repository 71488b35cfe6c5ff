#!/usr/bin/env python3
"""bench-chat-during-upload: how long a member's chat waits behind its own
upload, or (--down) behind a download to the member it is sent to.

Usage (as root): bench-chat-during-upload.py [--down] SIZE_MIB ROUNDS RATE_MBIT BIN [BIN...]

Makes a network namespace joined to this one by a veth pair
(198.18.9.0/24, a benchmark range), whose side sends at most RATE_MBIT
Mbit/s (a `tc` token bucket): the uplink of a member on Wi-Fi. For each BIN
(builds to compare), starts `BIN serve` here, member B here and member A
in the namespace, in a room of their own. Then, ROUNDS times, the builds
taking turns: A shares a file of SIZE_MIB MiB of random bytes while it
sends a chat message every 100 ms; each message's delay is from A's
command (written to A's stdin) to B's `message` event. Prints, per round,
the upload's rate and the delays of the messages sent during it (median,
99th percentile, most), beside those of five messages sent just before
it.

With --down, B is the member in the namespace, and its downlink is the
slow one (the token bucket is on the host's side of the pair): A shares
the file once, then, each round, B downloads it while A (here, on a fast
path) sends a chat message every 100 ms; the delay is again from A's
command to B's event, and the rate printed is the download's. See
docs/performance.md (ninth and tenth sessions).
"""
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("bench_files", os.path.join(here, "bench-files.py"))
bench_files = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_files)
Member = bench_files.Member

NS = f"wetalk-chatup-{os.getpid()}"
HOST, MEMBER = "198.18.9.1", "198.18.9.2"


def sh(*args):
    subprocess.run(args, check=True)


def pct(sorted_vals, p):
    return sorted_vals[min(len(sorted_vals) - 1, int(len(sorted_vals) * p))]


def main():
    args = sys.argv[1:]
    down = args[:1] == ["--down"]
    if down:
        args = args[1:]
    if len(args) < 4:
        sys.exit(__doc__)
    if os.geteuid() != 0:
        sys.exit("bench-chat-during-upload: needs root (ip netns, tc)")
    size_mib, rounds, rate, bins = int(args[0]), int(args[1]), int(args[2]), args[3:]
    work = tempfile.mkdtemp(prefix="wetalk-chatup-")
    veth = f"wcu{os.getpid() % 100000}"
    try:
        sh("ip", "netns", "add", NS)
        sh("ip", "link", "add", veth + "a", "type", "veth", "peer", "name", veth + "b")
        sh("ip", "link", "set", veth + "b", "netns", NS)
        sh("ip", "addr", "add", HOST + "/24", "dev", veth + "a")
        sh("ip", "link", "set", veth + "a", "up")
        sh("ip", "netns", "exec", NS, "ip", "addr", "add", MEMBER + "/24", "dev", veth + "b")
        sh("ip", "netns", "exec", NS, "ip", "link", "set", veth + "b", "up")
        # The slow direction: out of the namespace (the member's uplink),
        # or into it (--down: its downlink).
        tbf = ["tc", "qdisc", "add", "dev", veth + ("a" if down else "b"), "root",
               "tbf", "rate", f"{rate}mbit", "burst", "64kb", "latency", "50ms"]
        sh(*(tbf if down else ["ip", "netns", "exec", NS] + tbf))
        src = bench_files.random_file(work, size_mib)
        rooms = []
        for i, bin in enumerate(bins):
            w = os.path.join(work, str(i))
            os.makedirs(w)
            # A (B with --down) runs in the namespace, through a wrapper
            # Member can start.
            inns = os.path.join(w, "in-namespace")
            with open(inns, "w") as f:
                f.write(f'#!/bin/sh\nexec ip netns exec {NS} {os.path.abspath(bin)} "$@"\n')
            os.chmod(inns, 0o755)
            host = subprocess.Popen(
                [bin, "serve", "--listen", HOST + ":0", "--no-announce", "--max-upload", f"{size_mib + 1}MiB",
                 "--room-quota", f"{(rounds + 1) * (size_mib + 1)}MiB", "--state-dir", os.path.join(w, "host")],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            invite = json.loads(host.stdout.readline())["invite"]
            a = Member(bin if down else inns, invite, "alice", os.path.join(w, "a"))
            b = Member(inns if down else bin, invite, "bob", os.path.join(w, "b"))
            shared = None
            if down:
                a.send({"cmd": "upload", "path": src, "ref": "shared"})
                _, e = a.wait(lambda e: e["type"] == "uploaded" and e.get("ref") == "shared")
                shared = e["file"]
                os.makedirs(os.path.join(w, "dl"))
            rooms.append((bin, host, a, b, shared, os.path.join(w, "dl")))
        for r in range(rounds):
            for bin, host, a, b, shared, dl in rooms:
                sent = {}

                def say(text):
                    sent[text] = time.monotonic()
                    a.send({"cmd": "send", "text": text})

                for i in range(5):
                    say(f"r{r} idle {i}")
                    time.sleep(0.1)
                stop = threading.Event()

                def talk():
                    n = 0
                    while not stop.is_set():
                        say(f"r{r} busy {n}")
                        n += 1
                        time.sleep(0.1)

                t0 = time.monotonic()
                if down:
                    b.send({"cmd": "download", "file": shared, "dir": dl, "ref": f"down{r}"})
                else:
                    a.send({"cmd": "upload", "path": src, "ref": f"up{r}"})
                talker = threading.Thread(target=talk)
                talker.start()
                got = []  # B's events (with --down, read here while it downloads)
                if down:
                    while True:
                        t, e = b.events.get(timeout=1800)
                        got.append((t, e))
                        if e["type"] in ("error", "eof"):
                            sys.exit(f"bench-chat-during-upload: {e}")
                        if e["type"] == "downloaded" and e.get("ref") == f"down{r}":
                            break
                    os.remove(e["path"])
                else:
                    a.wait(lambda e: e["type"] == "uploaded" and e.get("ref") == f"up{r}")
                t1 = time.monotonic()
                stop.set()
                talker.join()
                time.sleep(1)  # the last messages
                idle, busy = [], []
                while not b.events.empty():
                    got.append(b.events.get())
                for t, e in got:
                    if e["type"] == "message" and e.get("from") == "alice" and e["text"] in sent:
                        (idle if " idle " in e["text"] else busy).append((t - sent[e["text"]]) * 1000)
                while not a.events.empty():
                    a.events.get()
                idle.sort()
                busy.sort()
                print(f"{bin}: {'download' if down else 'upload'} {size_mib / (t1 - t0):.1f} MiB/s; chat during it: {len(busy)} messages, "
                      f"median {pct(busy, 0.5):.0f} ms, p99 {pct(busy, 0.99):.0f} ms, most {busy[-1]:.0f} ms "
                      f"(before it: median {pct(idle, 0.5):.0f} ms)", flush=True)
        for _, host, a, b, _, _ in rooms:
            bench_files.close_room(host, a, b)
    finally:
        subprocess.run(["ip", "netns", "del", NS], stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "link", "del", veth + "a"], stderr=subprocess.DEVNULL)
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
