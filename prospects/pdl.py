"""The one module that talks to People Data Labs (Person Search, with `requests`).

It owns the base URL, the timeout on every call, bounded retries with backoff,
and the translation of PDL's answers into typed errors that say what to do.
The API key travels only in the X-Api-Key header: never in a URL, a log line,
an exception message or a result.
"""

import logging
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import requests

logger = logging.getLogger("prospects")

MAX_PAGE_SIZE = 100


class PDLError(Exception):
    """Something PDL said or did; the message names PDL, the status and what to do."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status


class PDLAuthError(PDLError):
    pass


class PDLPaymentRequired(PDLError):
    pass


class PDLRequestError(PDLError):
    """PDL refused the request itself (400, 405, other 4xx): retrying cannot help."""


class PDLResponseError(PDLError):
    """PDL (or something in front of it) answered with a body we cannot read."""


class PDLUnavailable(PDLError):
    """Rate-limited, erroring or unreachable after every retry: worth trying later."""

    retryable = True


@dataclass
class SearchPage:
    records: list
    total: int
    scroll_token: str | None
    credits_spent: int = 0
    credits_remaining: int | None = None


def parse_reset(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds until `x-ratelimit-reset`, seen as ISO 8601, 'YYYY-MM-DD HH:MM:SS' (UTC) or epoch."""
    if not value:
        return None
    now = now or datetime.now(UTC)
    value = value.strip()
    try:
        moment = datetime.fromtimestamp(float(value), UTC)
    except ValueError:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    return max((moment - now).total_seconds(), 0.0)


def _int_header(response, name: str) -> int | None:
    try:
        return int(float(response.headers.get(name, "")))
    except ValueError:
        return None


class PDLClient:
    def __init__(
        self,
        *,
        api_key: str,
        base_url: str = "https://api.peopledatalabs.com/v5",
        timeout: tuple[float, float] = (5, 30),
        max_attempts: int = 4,
        backoff_base: float = 2.0,
        max_wait: float = 90.0,
        session: requests.Session | None = None,
        sleep=time.sleep,
    ):
        if not api_key:
            raise PDLAuthError("PDL_API_KEY is empty: set it, or leave it empty to use the sample source.")
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.max_wait = max_wait
        self.session = session or requests.Session()
        self.sleep = sleep

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, "[redacted]") if self._api_key else text

    def search_page(self, query: dict, *, size: int, scroll_token: str | None = None) -> SearchPage:
        """One page of Person Search. Zero matches (PDL's 404) is an empty page.

        `query` is a whole Elasticsearch body ({"query": {"bool": ...}}): PDL takes
        it nested inside the request's own `query` field.
        """
        body = {"query": query, "size": max(1, min(size, MAX_PAGE_SIZE))}
        if scroll_token:
            body["scroll_token"] = scroll_token
        response = self._post("/person/search", body)
        if response.status_code == 404:
            logger.info("PDL person search: no matches (404)")
            return SearchPage(records=[], total=0, scroll_token=None)
        data = self._json(response)
        records = data.get("data") or []
        page = SearchPage(
            records=records,
            total=int(data.get("total") or 0),
            scroll_token=data.get("scroll_token") or None,
            credits_spent=_int_header(response, "x-call-credits-spent") or len(records),
            credits_remaining=_int_header(response, "x-totallimit-remaining"),
        )
        logger.info(
            "PDL person search: %d record(s) of %d, %d credit(s) spent, %s left",
            len(records),
            page.total,
            page.credits_spent,
            "unknown" if page.credits_remaining is None else page.credits_remaining,
        )
        return page

    def _post(self, path: str, body: dict) -> requests.Response:
        url = self.base_url + path
        headers = {"X-Api-Key": self._api_key, "Accept": "application/json"}
        last_problem, last_status = "", None
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = self.session.post(url, json=body, headers=headers, timeout=self.timeout)
            except requests.Timeout:
                last_problem = f"did not answer within {self.timeout[1]:g} s"
                wait = self._backoff(attempt)
            except requests.ConnectionError as exc:
                last_problem = f"could not be reached ({type(exc).__name__})"
                wait = self._backoff(attempt)
            else:
                status = last_status = response.status_code
                if status < 400 or status == 404:
                    return response
                if status == 429:
                    last_problem = "is rate-limiting us (429)"
                    reset = parse_reset(response.headers.get("x-ratelimit-reset"))
                    wait = min(reset + 1, self.max_wait) if reset is not None else self._backoff(attempt)
                elif status >= 500:
                    last_problem = f"had a server error ({status}{self._detail(response)})"
                    wait = self._backoff(attempt)
                else:
                    raise self._refusal(response)
            if attempt == self.max_attempts:
                break
            logger.warning("PDL %s; retry %d/%d in %.1f s", last_problem, attempt, self.max_attempts - 1, wait)
            self.sleep(wait)
        raise PDLUnavailable(
            f"PDL {last_problem}, {self.max_attempts} attempts: try again later.",
            status=last_status,
        )

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.backoff_base * 2 ** (attempt - 1), self.max_wait)
        return random.uniform(ceiling / 2, ceiling)

    def _detail(self, response) -> str:
        try:
            error = response.json().get("error") or {}
            message = error.get("message") if isinstance(error, dict) else str(error)
        except (ValueError, AttributeError):
            return ""
        return f": {self._redact(str(message))[:300]}" if message else ""

    def _refusal(self, response) -> PDLError:
        status = response.status_code
        detail = self._detail(response)
        if status == 401:
            return PDLAuthError(f"PDL rejected the API key (401{detail}): check PDL_API_KEY.", status=status)
        if status == 402:
            return PDLPaymentRequired(
                f"PDL account is out of credits (402{detail}): add credits or lower the campaign's daily limit.",
                status=status,
            )
        if status == 400:
            return PDLRequestError(
                f"PDL rejected the query (400{detail}): check the ideal customer profile's values.", status=status
            )
        return PDLRequestError(
            f"PDL refused the request ({status}{detail}): check PDL_BASE_URL points at the v5 API.", status=status
        )

    def _json(self, response) -> dict:
        try:
            data = response.json()
        except ValueError:
            kind = response.headers.get("Content-Type", "unknown type")
            raise PDLResponseError(
                f"PDL answered {response.status_code} with a body that is not JSON ({kind}): "
                "check PDL_BASE_URL, or try again if a proxy is in the way.",
                status=response.status_code,
            ) from None
        if not isinstance(data, dict):
            raise PDLResponseError(f"PDL answered {response.status_code} with unexpected JSON.", status=200)
        return data
