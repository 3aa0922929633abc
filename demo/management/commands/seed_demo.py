"""`manage.py seed_demo`: load the demo clusters, their staff, enterprises, services and policies.

Each subject's demo data is a module of this app with `seed(*, stdout)`; the modules run in
dependency order (clusters before the enterprises that join them, enterprises before the
offerings they publish, ...), and every `seed` is idempotent, so the command can run again at
any time and changes nothing the second time. Demo rows that someone changed since (the pending
application approved in a walkthrough, say) are put back; the command lists them, and each
cluster-owned one is recorded in that cluster's audit log (action `demo.reset`, before and after).

Seeding publishes policies and decides memberships, which notify the demo enterprises in the app
and by email. The demo addresses (`*.demo`) reach nobody, so the emails are dropped while seeding
(thousands of them would otherwise flood the console of `make demo`); `--send-mail` sends them
through the configured `EMAIL_URL`. The in-app notifications are created either way.
"""

import importlib
import time
from types import ModuleType

from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from demo.clusters import ResetLog, tracking_resets

DISCARD_MAIL = "django.core.mail.backends.dummy.EmailBackend"

# Order matters: each module may use the rows the modules before it created.
DEMO_MODULES = (
    "demo.clusters",
    "demo.enterprises",
    "demo.catalog",
    "demo.policies",
    "demo.matching",
    "demo.delivery",
    "demo.policy_rules",
    "demo.programmes",
    "demo.devices",
)


def demo_modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in DEMO_MODULES]


class Command(BaseCommand):
    help = "Load the demo clusters, accounts and data (idempotent). Every demo password: demo-pass-2026."

    def add_arguments(self, parser):
        parser.add_argument(
            "--list-accounts",
            action="store_true",
            help="Print the demo accounts (email, role, cluster) and exit without seeding.",
        )
        parser.add_argument(
            "--send-mail",
            action="store_true",
            help="Send the notification emails that seeding causes (dropped by default).",
        )

    def handle(self, *args, list_accounts=False, send_mail=False, **options):
        modules = demo_modules()
        if list_accounts:
            for module in modules:
                for email, role, cluster in getattr(module, "accounts", list)():
                    self.stdout.write(f"    {email:<28} {role:<32} {cluster}")
            return
        with (
            override_settings(**({} if send_mail else {"EMAIL_BACKEND": DISCARD_MAIL})),
            tracking_resets() as reset_log,
        ):
            for module in modules:
                started = time.perf_counter()
                self.stdout.write(f"{module.__name__}:")
                module.seed(stdout=self.stdout)
                self.stdout.write(f"  ({time.perf_counter() - started:.1f}s)")
        self._report_resets(reset_log)
        self.stdout.write(
            self.style.SUCCESS("Demo data is loaded. Every demo account's password: demo-pass-2026")
        )

    def _report_resets(self, reset_log: ResetLog) -> None:
        """Say which demo rows were put back (a walkthrough's approval, an edited offering), so
        that a re-run never silently undoes someone's change; each cluster-owned one is also in
        its cluster's audit log as `demo.reset`."""
        if not reset_log.resets:
            self.stdout.write("No demo row needed resetting.")
            return
        self.stdout.write(f"Reset {len(reset_log.resets)} demo row(s) to the demo data:")
        for reset in reset_log.resets:
            changes = ", ".join(
                f"{name}: {reset.before[name]!r} -> {reset.after[name]!r}" for name in reset.after
            )
            self.stdout.write(f"  {reset.label} {reset.row}: {changes}")
