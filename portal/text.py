"""The one rule for free text people type (reasons, grounds, notes, names): stripped; no control
characters but tab and line breaks (NUL cannot be stored in PostgreSQL text and is refused, not
dropped); never longer than its limit (refused with a message, never cut silently); and, when
required, not empty.

Services call `clean_text` (raises) or `text_problem` (returns the message, for services that
gather every problem of a form before refusing)."""
from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError

TEXT_MAX_LENGTH = 5000
ALLOWED_CONTROLS = "\t\n\r"


def text_problem(value, *, label: str, max_length: int = TEXT_MAX_LENGTH, missing: str = "") -> tuple[str, str | None]:
    """`value` stripped, and what is wrong with it (None when nothing is). `missing` is the
    message when it is empty; an empty `missing` makes the text optional."""
    text = value.strip() if isinstance(value, str) else ""
    if "\x00" in text:
        return text, f"{label} must not contain null characters"
    if any(unicodedata.category(ch) == "Cc" and ch not in ALLOWED_CONTROLS for ch in text):
        return text, f"{label} must not contain control characters"
    if len(text) > max_length:
        return text, f"{label} must be {max_length:,} characters or fewer"
    if missing and not text:
        return text, missing
    return text, None


def clean_text(value, *, field: str, label: str, max_length: int = TEXT_MAX_LENGTH, missing: str = "") -> str:
    """`value` stripped, or a ValidationError under `field` saying what is wrong."""
    text, problem = text_problem(value, label=label, max_length=max_length, missing=missing)
    if problem:
        raise ValidationError({field: problem})
    return text


def collect_text(
    value, *, field: str, label: str, errors: dict, max_length: int = TEXT_MAX_LENGTH, missing: str = ""
) -> str:
    """`value` stripped; what is wrong with it goes into `errors[field]` (the first problem of a
    field is kept)."""
    text, problem = text_problem(value, label=label, max_length=max_length, missing=missing)
    if problem:
        errors.setdefault(field, problem)
    return text


def _name_words(name: str) -> list[str]:
    """A name's words, compared as people read them: accents, case and punctuation aside."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return "".join(ch if ch.isalnum() else " " for ch in plain.replace("'", "").replace("’", "")).split()


def signature_matches(signature: str, name: str) -> bool:
    """Whether a typed signature is the person's name: the same words, ignoring case, accents and
    punctuation ("siobhan obrien" signs for "Siobhán O’Brien"), where a first or middle name may be its
    initial ("A. Morgan" signs for "Alex Morgan"); the last name is always written in full."""
    typed, expected = _name_words(signature), _name_words(name)
    if not typed or len(typed) != len(expected) or typed[-1] != expected[-1]:
        return False
    return all(word == full or (len(word) == 1 and full.startswith(word)) for word, full in zip(typed, expected))
