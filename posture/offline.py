"""Nothing leaves the machine: MediaPipe's usage statistics are kept from the network.

The MediaPipe wheels since 0.10.35 (1.x included) carry a usage-statistics uploader inside their
native library (upstream issue google-ai-edge/mediapipe#6291). Once a landmarker is created, it
looks up ``play.googleapis.com`` and posts records of the platform, the app, the MediaPipe version,
which task ran in which mode, its start-up time, its latencies and the count of frames, and its
error codes (the field names of the ``MediaPipeLogExtension`` message compiled into the library; no
images or landmarks). It has no switch to turn it off, but its HTTP client honours the usual proxy
variables. Before the first landmarker is created, :func:`keep_offline` points them, for this process
alone, at a loopback port that this process holds open without listening: the uploader's connection
is refused on the machine itself, and no name is looked up (checked under ``strace`` in
tests/test_privacy.py).
"""

from __future__ import annotations

import os
import socket

PROXY_VARIABLES = ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY")
BYPASS_VARIABLES = ("no_proxy", "NO_PROXY")

_closed_port: socket.socket | None = None


def keep_offline() -> str:
    """Point this process's proxy variables at a loopback port that refuses connections; returns it.

    The port is bound by this process and never listened on, so no other program can take it and
    receive what is sent there. Idempotent.
    """
    global _closed_port
    if _closed_port is None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        _closed_port = sock
    proxy = "http://127.0.0.1:{}".format(_closed_port.getsockname()[1])
    for name in PROXY_VARIABLES:
        os.environ[name] = proxy
    for name in BYPASS_VARIABLES:  # a bypass list would let the uploader go around the proxy
        os.environ.pop(name, None)
    return proxy
