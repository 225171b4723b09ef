"""Slowing down password and token guessing.

Admin logins are counted by django-axes (settings: AXES_*): repeated failures for one
account, or from one address, lock that account or address out for a cool-off, answered
with 429, and every failure is logged. API tokens are checked here: an address that keeps
presenting invalid tokens is throttled, as anonymous reads are.
"""

from rest_framework import authentication
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


def client_ip(request):
    """The client's address for axes, as the API's throttles see it: behind our proxy
    (DJANGO_BEHIND_PROXY sets NUM_PROXIES), the one it appended to X-Forwarded-For; else the
    peer's, so that a client cannot pick its address by sending the header itself."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if api_settings.NUM_PROXIES and forwarded:
        addresses = forwarded.split(",")
        return addresses[-min(api_settings.NUM_PROXIES, len(addresses))].strip()
    return request.META.get("REMOTE_ADDR")


class InvalidTokenThrottle(SimpleRateThrottle):
    """Invalid tokens per client address (rate: `invalid_token` in DEFAULT_THROTTLE_RATES)."""

    scope = "invalid_token"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token check; past the rate of invalid tokens from one address, a 429 instead of
    a 401, whatever the token (DRF runs throttles only after authentication succeeds)."""

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            throttle = InvalidTokenThrottle()
            if not throttle.allow_request(request, None):
                raise Throttled(throttle.wait()) from None
            raise
