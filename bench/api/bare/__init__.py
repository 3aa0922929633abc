"""The baseline: a minimal Django REST framework project listing plain copies of the same rows.

What a new project would write for a list: a ModelSerializer, a ListAPIView, page-number
pagination (the platform's own class, so the page size and the COUNT are the same), Django's
`startproject` settings and middleware, the same database and connection settings. Served by
gunicorn exactly like the platform; `bench/api` starts it with `bench.api.bare.settings`.
"""
