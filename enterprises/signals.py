"""Events the enterprise registry announces to the apps built on it.

The registry sits below policies and matching, so it does not import them; they subscribe
in their AppConfig.ready(). Senders fire inside the transaction that made the change, and
receivers enqueue their work on commit.
"""

from django.dispatch import Signal

# An enterprise's profile facts changed (profile edit, or a membership decided): kwargs `enterprise`.
enterprise_facts_changed = Signal()

# A digital-maturity assessment was stored (its level is the enterprise's level now): kwargs `assessment`.
assessment_submitted = Signal()
