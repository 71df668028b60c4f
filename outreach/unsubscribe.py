"""One-click unsubscribe (RFC 8058): signed links, GET shows, only POST acts.

Link scanners fetch every URL in a message, so GET and HEAD never change
anything; the mail client's one-click POST and the page's button do. No login,
no cookies, no CSRF token: the signature is the proof.
"""

import logging

from django.conf import settings
from django.core import signing
from django.http import HttpResponseNotAllowed
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger("outreach")

SALT = "outreach.unsubscribe"


def unsubscribe_token(*, address: str, campaign_id: int) -> str:
    return signing.dumps({"e": address.lower(), "c": campaign_id}, salt=SALT, compress=True)


def unsubscribe_url(token: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/unsubscribe/{token}"


def read_token(token: str) -> dict | None:
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("e"), str) or "@" not in data["e"]:
        return None
    return data


@csrf_exempt
def unsubscribe_view(request, token):
    from .models import Suppression
    from .suppression import suppression_add

    data = read_token(token)
    if data is None:
        return render(request, "outreach/unsubscribe_invalid.html", status=400)
    address = data["e"]
    if request.method in ("GET", "HEAD"):
        return render(request, "outreach/unsubscribe_confirm.html", {"address": address})
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    one_click = request.POST.get("List-Unsubscribe") == "One-Click"
    suppression_add(
        email=address,
        reason=Suppression.Reason.UNSUBSCRIBED,
        source=f"{'one-click' if one_click else 'unsubscribe page'}, campaign {data.get('c')}",
    )
    return render(request, "outreach/unsubscribe_done.html", {"address": address})
