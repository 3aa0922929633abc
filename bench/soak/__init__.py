"""The soak: the platform under a mixed load for ten minutes (`make soak`, see __main__.py)."""
