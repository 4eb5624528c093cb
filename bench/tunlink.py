#!/usr/bin/env python3
"""A userspace point-to-point link between two TUN devices, for the bench's network lab.

This kernel has no netem qdisc, so delay is added here: every IP packet read from one TUN device is
written to the other after a one-way delay drawn uniformly from [delay - jitter, delay + jitter]
milliseconds, never before the packet ahead of it (a link queues; it does not reorder). Loss is left
to nft (`numgen random`). Opening a TUN device takes an ioctl, which Node cannot make; this is the
only part of the bench not in TypeScript. bench/linkEmulator.ts starts it, moves one device into
the far namespace and stops it by closing stdin.

usage: tunlink.py NAME_A NAME_B DELAY_MS JITTER_MS
"""
import collections
import fcntl
import os
import random
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def main():
    name_a, name_b = sys.argv[1], sys.argv[2]
    delay, jitter = float(sys.argv[3]) / 1000, float(sys.argv[4]) / 1000
    a, b = open_tun(name_a), open_tun(name_b)
    other = {a: b, b: a}
    queues = {a: collections.deque(), b: collections.deque()}  # (release time, packet) per output
    last = {a: 0.0, b: 0.0}
    stdin = sys.stdin.fileno()
    print("ready", flush=True)
    while True:
        now = time.monotonic()
        due = [q[0][0] for q in queues.values() if q]
        timeout = max(0.0, min(due) - now) if due else None
        readable, _, _ = select.select([a, b, stdin], [], [], timeout)
        now = time.monotonic()
        for fd in readable:
            if fd == stdin:
                if not os.read(stdin, 64):
                    return
                continue
            out = other[fd]
            while True:
                try:
                    packet = os.read(fd, 65535)
                except BlockingIOError:
                    break
                release = max(now + random.uniform(delay - jitter, delay + jitter), last[out])
                last[out] = release
                queues[out].append((release, packet))
        for out, queue in queues.items():
            while queue and queue[0][0] <= now:
                try:
                    os.write(out, queue.popleft()[1])
                except OSError:
                    pass  # the far device went down: the packet is lost, as on a real link


if __name__ == "__main__":
    main()
