"""A fake OpenAI Chat Completions endpoint behind an httpx2 MockTransport."""

import json
import re
import threading
import time

import httpx2


def completion(content: str) -> dict:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
    }


class FakeOpenAI:
    """Answers with a personal draft built from the prompt's prospect data.

    `script` maps a prospect's first name to a list of answers to give, in order,
    before behaving normally: an int is an HTTP status, a str is raw content.
    """

    def __init__(self, latency: float = 0.0, script: dict | None = None, always: int | None = None):
        self.latency = latency
        self.always = always  # an HTTP status to answer every request with
        self.script = {k: list(v) for k, v in (script or {}).items()}
        self.requests = []
        self.in_flight = 0
        self.peak = 0
        self._lock = threading.Lock()

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        user = body["messages"][-1]["content"]
        facts = json.loads(re.search(r"<prospect_data>\n(.*)\n</prospect_data>", user, re.S).group(1))
        with self._lock:
            self.requests.append(body)
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            scripted = self.script.get(facts.get("first_name"), [])
            answer = scripted.pop(0) if scripted else self.always
        try:
            if self.latency:
                time.sleep(self.latency)
            if isinstance(answer, int):
                return httpx2.Response(
                    answer, json={"error": {"message": f"fake {answer}", "type": "x"}}, headers={"retry-after-ms": "5"}
                )
            if isinstance(answer, str):
                return httpx2.Response(200, json=completion(answer))
            draft = {
                "subject": f"An idea for {facts.get('company_name', 'your team')}",
                "body": f"Hi {facts.get('first_name', 'there')},\n\nI saw your work as {facts.get('job_title')} "
                f"and thought of you.\n\nWorth a short call?\n\nSam",
            }
            return httpx2.Response(200, json=completion(json.dumps(draft)))
        finally:
            with self._lock:
                self.in_flight -= 1

    def client(self) -> httpx2.Client:
        return httpx2.Client(transport=httpx2.MockTransport(self))
