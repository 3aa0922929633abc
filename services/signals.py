"""Catalog events for the apps built on the catalog (matching subscribes in its AppConfig.ready()).

Sent inside the transaction that made the change; receivers enqueue their work on commit.
"""

from django.dispatch import Signal

# An offering was published, changed while published (an approved revision) or withdrawn: kwargs `offering`.
offering_changed = Signal()
# A demand was created, edited or changed status: kwargs `demand`.
demand_changed = Signal()
