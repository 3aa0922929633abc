"""The agency console: a Django admin site at /console/ scoped to one cluster at a time.

Django's admin autodiscovery imports this package; registering the moderation admins on the
console site happens in `moderation`.
"""

from console.admin import moderation  # noqa: F401  (registers the console's ModelAdmins)
from console.admin.site import console_site

__all__ = ["console_site"]
