#!/usr/bin/env python3
"""Run the posture monitor: ``python run_monitor.py --help`` (the same as ``posture-monitor``)."""

import sys

from posture.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
