"""Run the whole platform locally: broker, producer, Dagster webserver + daemon, API (``ghintel up``).

Import the submodule you need (control, services, state, status, supervisor): ``ghintel status``
must not pay for what ``ghintel up`` imports.
"""
