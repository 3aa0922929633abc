"""The console in the isolation world: it owns no rows of its own, only figures over the other
apps' rows, which their world modules create in cluster A. What the harness cannot see by ids
(a count that includes A's rows) tests/console/test_isolation.py checks."""


def build(world) -> None:
    """Nothing to add: A's members, offerings, bookings and the rest are the victims."""
