"""Which function runs which `job_type`.

Apps register their handlers in `AppConfig.ready()`, so `jobs` never imports them:

    @jobs.registry.handler("daily_prospect_queue", retry_on=(PDLUnavailable,))
    def run_daily(job): ...

A handler takes the claimed `QueueJob` and returns a JSON-serialisable result.
It must be safe to run again after a crash: a recovered job starts from the top.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


class RetryableError(Exception):
    """Raise from a handler when trying again later may succeed (a service was down)."""


@dataclass(frozen=True)
class Handler:
    job_type: str
    func: Callable
    retry_on: tuple = field(default=())
    # How long a claim lasts without renewal; the runner renews it every third of this.
    lease_seconds: int = 120

    @property
    def retryable_errors(self) -> tuple:
        return (RetryableError, *self.retry_on)


_handlers: dict[str, Handler] = {}


def handler(job_type: str, *, retry_on: tuple = (), lease_seconds: int = 120):
    def decorator(func):
        register(job_type, func, retry_on=retry_on, lease_seconds=lease_seconds)
        return func

    return decorator


def register(job_type: str, func: Callable, *, retry_on: tuple = (), lease_seconds: int = 120):
    _handlers[job_type] = Handler(job_type, func, tuple(retry_on), lease_seconds)


def get_handler(job_type: str) -> Handler | None:
    return _handlers.get(job_type)


def registered_types() -> list[str]:
    return sorted(_handlers)
