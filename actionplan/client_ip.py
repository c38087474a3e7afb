"""
The client's address for the login lockout (django-axes) when the site sits behind a TLS proxy.

Behind a proxy REMOTE_ADDR is the proxy's own address for every visitor, so a
lockout keyed on it would lock a username out from everywhere. The proxy
appends the address it saw to X-Forwarded-For; earlier entries come from the
client and can be forged, so only the last one is trusted. Set in
actionplan.settings when BEHIND_TLS_PROXY is true.
"""


def client_ip(request) -> str | None:
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded.strip():
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR")
