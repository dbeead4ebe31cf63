"""Benchmarks that print figures (not tests: the machines are shared and noisy): ``python -m benchmarks``.

They read the labelled footage from ``../shared/data`` or a folder given with ``--data``, never from
inside the app, which ships only the fitted estimator coefficients (posture/measure/estimators.py).
"""
