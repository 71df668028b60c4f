"""Drafting a first email: one interface, two generators, one set of checks.

The OpenAI generator (outreach/llm.py) is used when OPENAI_API_KEY is set, the
campaign's template otherwise. Whatever drafts it, a draft is checked the same
way before anyone sees it.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.template import Context, Engine, TemplateSyntaxError

SUBJECT_MAX = 120
BODY_MIN, BODY_MAX = 40, 3000

# Leftovers of a template or a model that did not fill its blanks.
PLACEHOLDER = re.compile(r"\[(?:first|last|full)?\s*name\]|\[[A-Z][A-Za-z ]{2,30}\]|\{\{|\}\}|\{%|<[A-Z_]{3,}>", re.I)


class GenerationError(Exception):
    """This prospect's draft could not be made; the others go on."""


class GenerationAuthError(GenerationError):
    """The generator cannot work at all (bad credentials): stop the run, say it once."""


class TemplateError(GenerationError):
    pass


@dataclass(frozen=True)
class Draft:
    subject: str
    body: str
    generated_by: str


def draft_problems(subject: str, body: str) -> list[str]:
    """Why a draft must not reach a reviewer; empty when it is fine."""
    problems = []
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject:
        problems.append("the subject is empty")
    elif len(subject) > SUBJECT_MAX:
        problems.append(f"the subject is {len(subject)} characters (at most {SUBJECT_MAX})")
    if "\n" in subject or "\r" in subject:
        problems.append("the subject has a line break")
    if len(body) < BODY_MIN:
        problems.append(f"the body is {len(body)} characters (at least {BODY_MIN})")
    elif len(body) > BODY_MAX:
        problems.append(f"the body is {len(body)} characters (at most {BODY_MAX})")
    for text in (subject, body):
        match = PLACEHOLDER.search(text)
        if match:
            problems.append(f"it has a leftover placeholder {match.group(0)!r}")
            break
    return problems


# --- templates ------------------------------------------------------------

_UNDEFINED = "\x00undefined:%s\x00"
_UNDEFINED_RE = re.compile("\x00undefined:(.*?)\x00")
# Plain-text email: no HTML escaping; a variable that does not exist is marked, then refused.
_engine = Engine(autoescape=False, string_if_invalid=_UNDEFINED, libraries={}, builtins=[])


def check_template(source: str) -> None:
    try:
        _engine.from_string(source)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"The template has a syntax error: {exc}") from None


def render_template(source: str, context: dict) -> str:
    try:
        text = _engine.from_string(source).render(Context(context, autoescape=False))
    except TemplateSyntaxError as exc:
        raise TemplateError(f"The template has a syntax error: {exc}") from None
    missing = sorted({name if name != "%s" else "a variable" for name in _UNDEFINED_RE.findall(text)})
    if missing:
        raise TemplateError(
            f"The template uses {', '.join('{{ ' + m + ' }}' for m in missing)}, which "
            f"{'is' if len(missing) == 1 else 'are'} not defined for this prospect or campaign."
        )
    return text.strip()


def _plain_fields(obj, exclude=()) -> dict:
    """An object's own column values: a template (run in a drafting thread) can reach
    nothing else, so it can never query the database."""
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if not f.is_relation and f.attname not in exclude
    }


def template_context(prospect, campaign) -> dict:
    return {
        "prospect": _plain_fields(prospect, exclude=("raw",)),
        "campaign": _plain_fields(campaign, exclude=("template", "subject_template")),
        "sender_name": campaign.sender_name,
    }


class TemplateGenerator:
    name = "template"

    def generate(self, prospect, campaign) -> Draft:
        context = template_context(prospect, campaign)
        subject = render_template(campaign.subject_template, context)
        body = render_template(campaign.template, context)
        problems = draft_problems(subject, body)
        if problems:
            raise GenerationError(f"the campaign's template produced an unusable draft: {'; '.join(problems)}")
        return Draft(subject=subject, body=body, generated_by=self.name)


def get_generator():
    if settings.OPENAI_API_KEY:
        from .llm import OpenAIGenerator

        return OpenAIGenerator.from_settings()
    return TemplateGenerator()
