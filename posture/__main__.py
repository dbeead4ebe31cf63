"""``python -m posture``: the same program as ``posture-monitor`` (what the login entry starts)."""

from posture.cli.main import console_main

console_main()
