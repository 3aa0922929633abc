"""Writes of the services app, one module per subject.

Lock order, everywhere, to keep concurrent transactions from deadlocking: offering, then
engagement, then partner rating; machine, then booking. A transaction that needs two of these
rows takes them in that order.
"""
