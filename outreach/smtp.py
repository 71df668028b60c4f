"""Django's SMTP backend, telling us whether a failure came before or after the message left.

A server that accepted DATA and then went quiet may have delivered the message:
retrying would send it twice. smtplib raises the same timeout either way, so the
connection records the phase it reached.
"""

import smtplib
import threading

from django.core.mail.backends.smtp import EmailBackend as DjangoSMTPBackend

_phase = threading.local()


def reset_phase() -> None:
    _phase.data_sent = False


def data_was_sent() -> bool:
    return getattr(_phase, "data_sent", False)


class _Recording:
    def data(self, msg):
        _phase.data_sent = True  # from here on, the message may have been accepted
        return super().data(msg)


class _SMTP(_Recording, smtplib.SMTP):
    pass


class _SMTP_SSL(_Recording, smtplib.SMTP_SSL):  # noqa: N801
    pass


class EmailBackend(DjangoSMTPBackend):
    @property
    def connection_class(self):
        return _SMTP_SSL if self.use_ssl else _SMTP
