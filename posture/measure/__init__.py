"""The measurement stage: posture metrics from the user's landmarks (geometry.py, estimators.py,
metrics.py), smoothed over time (smoothing.py)."""
