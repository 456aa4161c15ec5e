"""Template helpers for the GOV.UK Frontend components in templates/components/.

    {% load portal_tags %}
    {% govuk_field_context field hint=... as f %}     used by components/field.html
    {{ form|form_error_list }}                          used by components/error_summary.html
    {{ field|field_anchor }}                            "#id_<name>" (first input for radios/checkboxes)
    {{ field|widget_type }}                             "textinput", "radioselect", ...
    {% elided_page_range page_obj as pages %}           used by components/pagination.html
    {% capture as name %}...{% endcapture %}            render once, use twice (marking banners)
"""
from __future__ import annotations

import copy

from django import forms, template
from django.template.loader import render_to_string
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from portal.forms.dates import PARTS, DatePartsInput, date_parts_problem

register = template.Library()

# Widget class -> how components/field.html renders it. Checked in order, so subclasses first.
_KINDS: list[tuple[type, str]] = [
    (DatePartsInput, "dateparts"),  # the GOV.UK date input: three boxes in a fieldset
    (forms.HiddenInput, "hidden"),
    (forms.MultipleHiddenInput, "hidden"),
    (forms.PasswordInput, "password"),
    (forms.CheckboxSelectMultiple, "checkboxes"),
    (forms.RadioSelect, "radios"),
    (forms.SelectMultiple, "select"),
    (forms.Select, "select"),
    (forms.CheckboxInput, "checkbox"),
    (forms.Textarea, "textarea"),
    (forms.ClearableFileInput, "file"),
    (forms.FileInput, "file"),
    (forms.DateInput, "date"),
    (forms.widgets.Input, "input"),  # TextInput, EmailInput, NumberInput, URLInput, DateTimeInput, TimeInput ...
]


def _kind(widget) -> str:
    for cls, kind in _KINDS:
        if isinstance(widget, cls):
            return kind
    return "other"


@register.filter
def widget_type(bound_field) -> str:
    """The widget's class name in lower case: "textinput", "radioselect", "checkboxinput" ..."""
    try:
        return bound_field.field.widget.__class__.__name__.lower()
    except AttributeError:
        return ""


def _anchor_id(bound_field) -> str:
    if _kind(bound_field.field.widget) == "dateparts":
        return f"{bound_field.auto_id or bound_field.html_name}_day"
    if _kind(bound_field.field.widget) in ("radios", "checkboxes"):
        subwidgets = bound_field.subwidgets
        if subwidgets:
            return subwidgets[0].id_for_label
    return bound_field.id_for_label or bound_field.auto_id or bound_field.html_name


@register.filter
def field_anchor(bound_field) -> str:
    """The fragment an error summary links to: the input itself, or the first of a group."""
    return "#" + _anchor_id(bound_field)


@register.filter
def form_error_list(form) -> list[dict]:
    """Every error of `form` in page order, as {"href": "#id" or "", "text": message}.
    Non-field errors come first and link to the first visible field."""
    if form is None or not hasattr(form, "errors") or not form.errors:
        return []
    items: list[dict] = []
    visible = list(form.visible_fields())
    first_href = field_anchor(visible[0]) if visible else ""
    for message in form.non_field_errors():
        items.append({"href": first_href, "text": message})
    for bound_field in form:
        for message in bound_field.errors:
            if bound_field.is_hidden:
                items.append({"href": "", "text": f"{bound_field.label}: {message}"})
            else:
                items.append({"href": field_anchor(bound_field), "text": message})
    return items


def _merge_classes(*parts: str) -> str:
    seen: list[str] = []
    for part in parts:
        for cls in (part or "").split():
            if cls not in seen:
                seen.append(cls)
    return " ".join(seen)


@register.simple_tag
def govuk_field_context(
    bound_field,
    hint="",
    label_text="",
    label_size="",
    input_class="",
    autocomplete="",
    spellcheck="",
    inputmode="",
):
    """Everything components/field.html needs to render one bound field in GOV.UK markup."""
    widget = bound_field.field.widget
    kind = _kind(widget)
    base_id = widget.attrs.get("id") or bound_field.auto_id or bound_field.html_name
    errors = list(bound_field.errors)
    hint = hint or bound_field.help_text or ""
    hint_id = f"{base_id}-hint" if hint else ""
    error_id = f"{base_id}-error" if errors else ""
    # A textarea with a limit is a GOV.UK character count: the count shows as people type, and
    # text over the limit is sent and refused with a message, never cut off by the browser.
    count_limit = getattr(bound_field.field, "max_length", None) if kind == "textarea" else None
    count_id = f"{base_id}-info" if count_limit else ""
    described_by = " ".join(
        x for x in (widget.attrs.get("aria-describedby", ""), hint_id, error_id, count_id) if x
    )
    label_text = label_text or bound_field.label
    required = bound_field.field.required
    if not required and kind not in ("checkbox", "hidden"):
        label_text = f"{label_text} (optional)"

    attrs: dict = {}
    if described_by:
        attrs["aria-describedby"] = described_by
    if autocomplete:
        attrs["autocomplete"] = autocomplete
    if spellcheck != "":
        attrs["spellcheck"] = str(spellcheck).lower()
    if inputmode:
        attrs["inputmode"] = inputmode
    render_widget = None
    error_class = ""
    if kind in ("input", "date", "password"):
        base_class = "govuk-input"
        error_class = "govuk-input--error"
        if kind == "password":
            attrs.setdefault("autocomplete", "current-password")
            attrs.setdefault("spellcheck", "false")
            attrs["autocapitalize"] = "none"
        if kind == "date":
            # A text box in day/month/year, as the hints say: a native date picker shows and
            # accepts a different format per browser and silently drops a typed "1/4/1990".
            render_widget = copy.copy(widget)
            render_widget.input_type = "text"
            render_widget.format = "%d/%m/%Y"
            attrs.pop("type", None)
            input_class = input_class or "govuk-input--width-10"
        attrs["class"] = _merge_classes(base_class, widget.attrs.get("class", ""), input_class,
                                        error_class if errors else "")
    elif kind == "textarea":
        error_class = "govuk-textarea--error"
        attrs["class"] = _merge_classes("govuk-textarea", widget.attrs.get("class", ""), input_class,
                                        error_class if errors else "",
                                        "govuk-js-character-count" if count_limit else "")
    elif kind == "select":
        error_class = "govuk-select--error"
        attrs["class"] = _merge_classes("govuk-select", widget.attrs.get("class", ""), input_class,
                                        error_class if errors else "")
    elif kind == "checkbox":
        attrs["class"] = _merge_classes("govuk-checkboxes__input", widget.attrs.get("class", ""))
    elif kind in ("radios", "checkboxes"):
        attrs = {}

    control = ""
    options: list[dict] = []
    if kind in ("radios", "checkboxes"):
        for subwidget in bound_field.subwidgets:
            data = subwidget.data
            options.append(
                {
                    "id": subwidget.id_for_label,
                    "name": data["name"],
                    "value": "" if data["value"] is None else data["value"],
                    "label": data["label"],
                    "checked": bool(data["selected"]),
                    "disabled": bool(data["attrs"].get("disabled")) or bound_field.field.disabled,
                }
            )
    elif kind == "file":
        extra = ""
        for key in ("accept", "capture"):
            if widget.attrs.get(key):
                extra += format_html(' {}="{}"', key, widget.attrs[key])
        if widget.attrs.get("multiple"):
            extra += " multiple"
        if bound_field.field.disabled:
            extra += " disabled"
        control = format_html(
            '<input class="{}" id="{}" name="{}" type="file"{}{}>',
            _merge_classes("govuk-file-upload", input_class, "govuk-file-upload--error" if errors else ""),
            base_id,
            bound_field.html_name,
            format_html(' aria-describedby="{}"', described_by) if described_by else "",
            mark_safe(extra),
        )
    elif kind == "hidden":
        control = bound_field.as_widget()
    elif kind == "dateparts":
        options = _date_parts(bound_field, base_id, errors)
    else:
        control = bound_field.as_widget(widget=_without_maxlength(render_widget or widget), attrs=attrs)

    return {
        "kind": kind,
        "id": base_id,
        "label_for": bound_field.id_for_label or base_id,
        "anchor_id": _anchor_id(bound_field),
        "name": bound_field.html_name,
        "label": label_text,
        "label_size": label_size,
        "is_page_heading": label_size in ("l", "xl"),
        "hint": hint,
        "hint_id": hint_id,
        "errors": errors,
        "error_id": error_id,
        "described_by": described_by,
        "control": control,
        "options": options,
        "required": required,
        "count_limit": count_limit,
        "count_id": count_id,
        "count_message": f"You can enter up to {count_limit:,} characters" if count_limit else "",
    }


_PART_LABELS = {"day": ("Day", "govuk-input--width-2"), "month": ("Month", "govuk-input--width-2"),
                "year": ("Year", "govuk-input--width-4")}


def _date_parts(bound_field, base_id: str, errors: list) -> list[dict]:
    """The three boxes of a GOV.UK date input: what was typed (or the initial date), and which
    boxes to highlight: the parts left out or wrong, or all three for a date that is not real or
    out of bounds."""
    value = bound_field.value()
    if not isinstance(value, list | tuple):
        value = bound_field.field.widget.decompress(value)
    values = ["" if v is None else str(v) for v in (list(value) + [None, None, None])[:3]]
    in_error: tuple[str, ...] = ()
    if errors:
        message, _, parts = date_parts_problem(values, getattr(bound_field.field, "noun", bound_field.label))
        in_error = parts if message else PARTS
    boxes = []
    for part, typed in zip(PARTS, values, strict=True):
        label, width = _PART_LABELS[part]
        boxes.append({
            "id": f"{base_id}_{part}", "name": f"{bound_field.html_name}_{part}", "value": typed, "label": label,
            "class": _merge_classes("govuk-input govuk-date-input__input", width,
                                    "govuk-input--error" if part in in_error else ""),
            "autocomplete": "",
        })
    return boxes


def _without_maxlength(widget):
    """`widget` without the maxlength attribute Django adds for a field's max_length: a browser
    silently drops what is typed or pasted past it; the server's message says what is too long."""
    if "maxlength" not in widget.attrs:
        return widget
    widget = copy.copy(widget)
    widget.attrs = {key: value for key, value in widget.attrs.items() if key != "maxlength"}
    return widget


@register.simple_tag
def elided_page_range(page_obj, on_each_side=1, on_ends=1):
    """The page numbers to show for `page_obj`, with None where pages are left out (an ellipsis)."""
    paginator = page_obj.paginator
    pages = []
    for number in paginator.get_elided_page_range(page_obj.number, on_each_side=on_each_side, on_ends=on_ends):
        pages.append(None if number == paginator.ELLIPSIS else number)
    return pages


class CaptureNode(template.Node):
    child_nodelists = ("nodelist",)

    def __init__(self, nodelist, var_name):
        self.nodelist = nodelist
        self.var_name = var_name

    def render(self, context):
        context[self.var_name] = SafeString(self.nodelist.render(context))
        return ""


@register.tag
def capture(parser, token):
    """{% capture as name %}...{% endcapture %}: render the contents into `name` instead of the page.
    Blocks inside still take part in template inheritance."""
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("Usage: {% capture as name %}...{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])


@register.simple_tag(takes_context=True)
def marking_banner(context, captured="", marking=None, label="Protective marking"):
    """The page's protective-marking banner, or "".

    `captured` is what the page put in {% block marking %}: either banner markup (an include of
    components/marking_banner.html) used as it is, or just the level's name. Otherwise the
    context variable `marking` (an object with .name, optionally .definition and .handling)."""
    text = str(captured or "").strip()
    if text:
        if "<" in text:
            if label != "Protective marking":  # keep the two landmarks' names distinct
                text = text.replace('aria-label="Protective marking"', f'aria-label="{escape(label)}"', 1)
            return mark_safe(text)
        return render_to_string(
            "components/marking_banner.html", {"marking": {"name": mark_safe(text)}, "marking_label": label}
        )
    if marking:
        return render_to_string("components/marking_banner.html", {"marking": marking, "marking_label": label})
    return ""


@register.filter
def message_lines(message) -> list[str]:
    """A flash message's lines: the first is the banner's heading, the others its paragraphs
    (sharing/views/next_steps.py writes "what happens next" that way)."""
    return [line for line in str(message).split("\n") if line.strip()] or [""]


@register.simple_tag
def personal_data_marking(pack_id=None) -> str:
    """The marking of pages that show material about people before anything is released under a
    chosen level (the requests inbox, the audit pages): the pack's level for personal data about
    an offender, victim or witness (portal.accountability.exports.audit_marking_name). For
    `{% block marking %}{% personal_data_marking %}{% endblock %}`; "" (no banner) with no pack.
    A request's pages pass its pack (`{% personal_data_marking disclosure.protocol_pack_id %}`):
    that pack's level, whatever other partnerships use."""
    from portal.accountability.exports import audit_marking_name, personal_data_marking_name

    if pack_id:
        return personal_data_marking_name(pack_id=pack_id)
    return audit_marking_name()
