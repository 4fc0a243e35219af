"""Ports for servers under test: free, and out of reach of the kernel's ephemeral ports."""

from __future__ import annotations

import socket
from pathlib import Path

from bench.server import HOST, free_port


def test_a_free_port_lies_below_the_ephemeral_range_and_can_be_bound() -> None:
    # a port the kernel may hand to any port-0 bind or outgoing connection (Ray's gRPC servers
    # did, between a pick and Ray Serve's bind) is never chosen where the range is known
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = {free_port() for _ in range(20)}
    if low > 20000:  # else there is no such range, and any free port will do
        assert all(20000 <= port < low for port in ports)
    for port in ports:
        with socket.socket() as s:
            s.bind((HOST, port))
