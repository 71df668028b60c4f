"""django-q2 task functions for sending: thin, each calls one service."""

from .sending import emails_send_due


def send_due() -> dict:
    return emails_send_due()
