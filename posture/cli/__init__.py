"""The command line: main.py (the entry point, exit codes, signals), monitor.py (the monitor's flags
and the settings they make), run.py (one run wired from source to sinks), history.py (the report and
history subcommands)."""
