"""The exercise coach (issue 15, under way): counting repetitions of the corrective exercises
(counter.py). The exercises' definitions, the guided sets and their history come next; see
docs/design/exercise-signals.md for what the camera sees of each exercise."""
