"""The anti-bot walls the replica sites put in front of some pages, as the real ones look: 瑞数, 加速乐 and a
cookie-setting script stub (the crawler must record each as a challenge, never parse it)."""

from __future__ import annotations

import hashlib
import random

from replica.sites.common import HTML_UTF8, Resource


def ruishu_challenge(key: str) -> Resource:
    """EDGE CASE challenge: a 瑞数 (Riversecurity) bot wall: HTTP 412, a cookie, scripts and no body text."""
    rng = random.Random(key)  # noqa: S311 - deterministic test data
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_."
    cd = "".join(rng.choice(alphabet) for _ in range(180))
    meta = "".join(rng.choice(alphabet[:52]) for _ in range(22))
    body = (
        "<!DOCTYPE html><html><head>"
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        '<meta http-equiv="Pragma" content="no-cache"><meta http-equiv="Expires" content="0">'
        f'<meta id="{meta}" content="{cd[:64]}" r=\'m\'>'
        f"<script r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts=window['$_ts']={{}};$_ts.nsd={rng.randint(10000, 99999)};"
        f'$_ts.cd="{cd}";</script>'
        f'<script type="text/javascript" charset="utf-8" src="/{meta[:12]}/c.{meta[12:20]}.js" r=\'m\'></script>'
        "</head><body></body></html>"
    )
    cookie = f"{meta[:14]}80S={cd[:40]}; Path=/; expires=Wed, 01 Jan 2031 00:00:00 GMT; HttpOnly"
    return Resource(412, "text/html", body.encode(), headers=(("Set-Cookie", cookie),))


def script_stub_challenge(key: str) -> Resource:
    """EDGE CASE challenge: HTTP 200 whose page is only a script that sets a cookie and reloads (no body text)."""
    token = hashlib.sha256(key.encode()).hexdigest()[:32]
    body = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
        f'<script>document.cookie="__wzd{token[:6]}={token}; path=/";location.reload();</script>'
        "</body></html>"
    )
    return Resource(200, HTML_UTF8, body.encode())


def jiasule_challenge(key: str) -> Resource:
    """EDGE CASE challenge: a 加速乐 (Jiasule) wall: HTTP 521, a __jsluid cookie and a script that computes another."""
    token = hashlib.sha256(key.encode()).hexdigest()
    body = (
        "<html><body><script>document.cookie=('_')+('_')+('jsl_clearance_s')+('=')+"
        f"('{token[:10]}.{token[10:16]}|0|{token[16:40]}')+(';Max-age=3600; path = /');"
        "location.href=location.pathname+location.search</script></body></html>"
    )
    cookie = f"__jsluid_s={token[40:64]}; max-age=31536000; path=/; HttpOnly; secure"
    return Resource(521, "text/html", body.encode(), headers=(("Set-Cookie", cookie),))
