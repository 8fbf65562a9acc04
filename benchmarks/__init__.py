"""``ghintel bench ...``: benchmarks that print figures next to a baseline measured in the same run.

They live outside the installed packages; ``benchmarks.cli.app`` is what ``ghintel bench`` runs.
"""
