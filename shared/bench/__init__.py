"""The frozen benchmark from phase 5: its tasks (tasks/: project and function tracks with hidden
tests), the harness that runs any agent generation on them, the failure taxonomy and the report.

    python -m shared.bench.command --generations=plain,phase5 --track=function --limit=5
"""
