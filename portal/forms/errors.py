"""Putting a service's ValidationError on the form that collected the input.

Services raise ValidationError keyed by field where one field is at fault (CONVENTIONS: forms
validate shape, services the rules); views show it through this one function so the GOV.UK error
summary and the field messages read the same everywhere."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def form_add_service_errors(
    form: forms.Form,
    error: ValidationError,
    *,
    field_map: dict[str, str] | None = None,
    extra: dict[str, list[str]] | None = None,
) -> None:
    """Each message goes against the field it names when the form has it (`field_map` renames
    service keys to form fields), into `extra[key]` when the caller collects that key itself
    (e.g. formset rows), and otherwise at the top of the form."""
    field_map = field_map or {}
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for key, errors in error.error_dict.items():
        target = field_map.get(key, key)
        for item in errors:
            for message in item.messages:
                if extra is not None and key in extra:
                    extra[key].append(message)
                else:
                    form.add_error(target if target in form.fields else None, message)
