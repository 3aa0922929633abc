"""The agency console: a Django admin site at /console/ scoped to one cluster at a time.

Django's admin autodiscovery imports this package; registering the moderation admins on the
console site happens in `moderation` and `staff`.
"""

from console.admin import moderation, staff  # noqa: F401  (register the console's ModelAdmins)
from console.admin.site import console_site

__all__ = ["console_site"]
