"""The Content-Security-Policy header (production).

Django 5.2 has no CSP support of its own (6.0 adds it). The platform needs one fixed policy for
every response, which a few lines do; django-csp would add a dependency and a configuration
format (changed in its 4.0) for features used nowhere here (nonces, per-view policies). When the
project moves to Django 6.0, its `ContentSecurityPolicyMiddleware` replaces this one.

The pages the platform serves are the admin, the browsable API, Swagger UI (the split view, whose
script is a separate file) and ReDoc, all from our own static files: no inline script runs, no
third-party origin is needed. Inline styles are allowed because Swagger UI and ReDoc set them,
`data:` images for their icons and `blob:` workers for ReDoc.
"""

from django.conf import settings

DEFAULT_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
