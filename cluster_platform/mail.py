"""Where e-mail goes when no EMAIL_URL is configured: nowhere, said once.

Development and demo addresses reach nobody, and a policy import or the demo loader notifies
thousands of them: printing every message buried the progress bar under tens of thousands of lines.
Without EMAIL_URL messages are dropped, and the first drop in a process says so and how to see them.
"""

import logging
import threading

from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger("cluster_platform.mail")

_announced = threading.Event()


class DroppedEmailBackend(BaseEmailBackend):
    """Accepts and discards every message; logs once per process that it does."""

    def send_messages(self, email_messages):
        messages = list(email_messages or [])
        if messages and not _announced.is_set():
            _announced.set()
            logger.warning(
                "EMAIL_URL is not set: e-mails are dropped (EMAIL_URL=consolemail:// prints them, "
                "smtp+tls://... sends them)."
            )
        return len(messages)
