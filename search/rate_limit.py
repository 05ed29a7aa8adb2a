"""One allowance of searches per client address, shared by the page and the API.

Both surfaces answer the same questions, so a scraper refused by the API must
not simply switch to the HTML page. The counters live in Django's cache: with
several server processes that cache must be shared (the embedded default is a
folder under var/; at scale Redis, via CACHE_URL), or each process counts alone.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

WINDOW_SECONDS = 60


def allowance() -> int:
    """Searches a client may make in one window (SEARCH_API_RATE_LIMIT)."""
    return int(getattr(settings, "SEARCH_API_RATE_LIMIT", 60))


def seconds_until_allowed(request: HttpRequest) -> int:
    """Seconds until the client may search again, or 0 when within its allowance.

    Counts this request. REMOTE_ADDR only: a forwarded-for header is the
    client's to forge, so a proxy in front must set REMOTE_ADDR (as gunicorn
    behind nginx does with the proxy protocol or a trusted header rewrite).
    """
    now = int(time.time())
    window = now // WINDOW_SECONDS
    key = f"search-rate:{request.META.get('REMOTE_ADDR', '')}:{window}"
    cache.add(key, 0, WINDOW_SECONDS + 1)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS + 1)
        used = 1
    if used > allowance():
        return (window + 1) * WINDOW_SECONDS - now or 1
    return 0


def refusal_message(wait: int) -> str:
    return f"Too many searches: at most {allowance()} a minute. Try again in {wait} s."
