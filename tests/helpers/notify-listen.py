#!/usr/bin/env python3
"""Listen on a unix datagram socket like systemd's NOTIFY_SOCKET and append
every datagram as one line to a file (newlines inside become '|').
    notify-listen.py SOCKET OUTFILE
Exits on SIGTERM."""
import os, signal, socket, sys

sock_path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sock_path)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
with open(out + ".ready", "w"):
    pass
while True:
    data = s.recv(4096)
    with open(out, "a") as f:
        f.write(data.decode(errors="replace").strip().replace("\n", "|") + "\n")
