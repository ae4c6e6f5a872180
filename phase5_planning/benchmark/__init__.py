"""The phase 5 benchmark: its tasks, the harness that runs every agent generation on them, and
the report."""
