#!/usr/bin/env python3
"""bench-chat-during-download: how long chat waits behind a download.

Usage: bench-chat-during-download.py SIZE_MIB ROUNDS BIN [BIN...]

For each BIN (builds to compare), starts `BIN serve` and two
`BIN chat --json` members, A and B, in a room of their own, and has A share
a file of SIZE_MIB MiB of random bytes. Then, ROUNDS times, the builds
taking turns: B downloads the file while A sends a chat message every
10 ms; each message's delay is from A's command (written to A's stdin) to
B's `message` event (read from B's stdout). Prints, per round, the
download's MB/s and the delays of the messages B got during the download
(median, 99th percentile, most). The host queues a member's chat behind
the chunks already granted to its downloads: this is what a larger
download window costs (docs/performance.md).
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


def pct(sorted_vals, p):
    return sorted_vals[min(len(sorted_vals) - 1, int(len(sorted_vals) * p))]


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    size_mib, rounds, bins = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    work = tempfile.mkdtemp(prefix="wetalk-chatlat-")
    try:
        src = bench_files.random_file(work, size_mib)
        rooms = []
        for i, bin in enumerate(bins):
            w = os.path.join(work, str(i))
            os.makedirs(os.path.join(w, "down"))
            host = subprocess.Popen(
                [bin, "serve", "--listen", "127.0.0.1:0", "--no-rate-limit",
                 "--max-upload", f"{size_mib + 1}MiB", "--state-dir", os.path.join(w, "host")],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            invite = json.loads(host.stdout.readline())["invite"]
            a = Member(bin, invite, "alice", os.path.join(w, "a"))
            b = Member(bin, invite, "bob", os.path.join(w, "b"))
            a.send({"cmd": "upload", "path": src, "ref": "up"})
            _, e = a.wait(lambda e: e["type"] == "uploaded" and e.get("ref") == "up")
            rooms.append((bin, host, a, b, e["file"], os.path.join(w, "down")))
        for _ in range(rounds):
            for bin, host, a, b, fid, down in rooms:
                sent, stop = {}, threading.Event()

                def talk():
                    n = 0
                    while not stop.is_set():
                        sent[str(n)] = time.monotonic()
                        a.send({"cmd": "send", "text": str(n)})
                        n += 1
                        time.sleep(0.01)

                t0 = time.monotonic()
                b.send({"cmd": "download", "file": fid, "dir": down, "ref": "d"})
                talker = threading.Thread(target=talk)
                talker.start()
                delays = []
                while True:
                    t, e = b.wait(lambda e: e["type"] in ("message", "downloaded"))
                    if e["type"] == "downloaded":
                        break
                    if e.get("from") == "alice" and e["text"] in sent:
                        delays.append((t - sent[e["text"]]) * 1000)
                stop.set()
                talker.join()
                os.remove(e["path"])
                time.sleep(0.3)  # the last messages, then drop them
                while not b.events.empty():
                    b.events.get()
                delays.sort()
                mbps = size_mib * (1 << 20) / 1e6 / (t - t0)
                print(f"{bin}: download {mbps:.0f} MB/s; chat during it: {len(delays)} messages, "
                      f"median {pct(delays, 0.5):.1f} ms, p99 {pct(delays, 0.99):.1f} ms, most {delays[-1]:.1f} ms",
                      flush=True)
        for _, host, a, b, _, _ in rooms:
            bench_files.close_room(host, a, b)
    finally:
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
