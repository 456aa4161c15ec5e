"""Checking a submitted dataset file before anything is stored (SDP Appendix 1: the Police and
Justice Act 2006 datasets exclude personal information; locations are coarsened where they
could identify someone).

`check_file` reads a CSV or XLSX file once, streaming (an XLSX through openpyxl's read-only
mode), and yields each row either as a clean, coarsened record or as a refusal with its line and
reason. A reason names what was found ("looks like a phone number"), never the value, so the
report itself holds no personal data. Whole-file problems (not a CSV, wrong columns, UTF-16)
raise `FileRefused`.

What counts as personal data here is deliberately broad: names (a title and a name, a common
forename and a surname, or "name:"), dates of birth (a date in free text, or a column called so),
full postcodes in free text, NHS numbers, phone numbers, email addresses. A dataset's text and
street fields say per field whether such a value refuses the row or is stripped (`personal_data:
refuse | strip` in the pack).
"""
from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from .specs import DatasetSpec, FieldSpec

MAX_CELL_CHARS = 500
MAX_XLSX_EXPANSION_BYTES = 1024 * 1024 * 1024
MAX_XLSX_RATIO = 200

# Columns that are personal data whatever the dataset says: a file that has one is refused.
PERSONAL_COLUMNS = {
    "name", "names", "forename", "forenames", "first_name", "firstname", "surname", "last_name", "lastname",
    "full_name", "dob", "date_of_birth", "birth_date", "nhs_number", "nhs_no", "phone", "telephone", "mobile",
    "phone_number", "email", "email_address", "address", "address_line_1", "house_number", "ni_number",
}

FULL_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
OUTWARD_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
_POSTCODE_IN_TEXT = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b", re.IGNORECASE)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<![\d])(?:\+44\s?\(?0?\)?\s?|0)(?:\d[\s-]?){9,10}(?![\d])")
_NHS = re.compile(r"(?<!\d)(\d{3})[\s-]?(\d{3})[\s-]?(\d{4})(?!\d)")
_DATE_IN_TEXT = re.compile(
    r"\b(?:\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)?\d{2}|(?:19|20)\d{2}-\d{2}-\d{2}|"
    r"\d{1,2}(?:st|nd|rd|th)? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* (?:19|20)\d{2})\b",
    re.IGNORECASE,
)
_BORN = re.compile(r"\b(?:dob|d\.o\.b|born|date of birth|aged?)\b", re.IGNORECASE)
_TITLE_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Master)\.? [A-Z][a-z'-]+", re.UNICODE)
_NAME_LABEL = re.compile(r"\b(?:name|named|called|surname|forename)\b\s*[:=-]?\s*[A-Z][a-z'-]+")
_CAPITALISED_PAIR = re.compile(r"\b([A-Z][a-z'-]+) ([A-Z][a-z'-]{1,})\b")
# Common forenames in England and Wales (ONS): a capitalised word after one is taken as a surname.
FORENAMES = frozenset(
    """adam alan alex alice amelia amy andrew ann anna anne anthony ava ben benjamin brian callum charles charlie
    charlotte chloe chris christine christopher claire daniel david dean deborah denise ellie emily emma ethan
    evie freya gary george grace graham hannah harry helen ian isabella isla jack jacob jake james jamie jane
    janet jason jennifer jessica joan joanne john jonathan joseph joshua julie karen kate katie kevin kieran
    laura lee leo lewis liam lily lisa lucy luke margaret mark martin mary matthew megan michael michelle mohammed
    muhammad nathan neil nicola noah oliver olivia oscar patricia paul peter philip rachel rebecca richard robert
    ryan samuel sarah scott sharon simon sophie stephen steven stuart susan thomas tom tracey tyler william zoe""".split()
)
# "John Street", "Victoria Road": a forename before one of these is a place, not a person.
PLACE_WORDS = frozenset(
    """street road lane avenue close way terrace place square drive crescent court gardens grove hill park
    view walk row green bank estate centre mews parade rise vale wynd yard bridge house school""".split()
)
_FORMULA_START = ("=", "+", "@", "\t", "\r")


class FileRefused(Exception):
    """The whole file is refused (nothing in it is loaded); the message says why and what to do."""


@dataclass
class CheckedRow:
    line: int
    record: dict | None = None
    problems: list[str] = field(default_factory=list)
    stripped: int = 0


def personal_data_kind(text: str) -> str | None:
    """What personal data `text` seems to hold ("a phone number"), or None."""
    if not text:
        return None
    if _EMAIL.search(text):
        return "an email address"
    for match in _NHS.finditer(text):
        if _nhs_check_digit_ok("".join(match.groups())):
            return "an NHS number"
    if _PHONE.search(text):
        return "a phone number"
    if _POSTCODE_IN_TEXT.search(text):
        return "a full postcode"
    if _DATE_IN_TEXT.search(text) or (_BORN.search(text) and re.search(r"\d", text)):
        return "a date (of birth?)"
    if _TITLE_NAME.search(text) or _NAME_LABEL.search(text):
        return "a name"
    for first, second in _CAPITALISED_PAIR.findall(text):
        if first.casefold() in FORENAMES and second.casefold() not in PLACE_WORDS:
            return "a name"
    return None


def _nhs_check_digit_ok(digits: str) -> bool:
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def coarse_postcode(value: str) -> str | None:
    """The outward part ("DH1") of a full or outward postcode; None if it is neither."""
    text = " ".join(value.upper().split())
    full = FULL_POSTCODE.match(text)
    if full:
        return full.group(1)
    if OUTWARD_POSTCODE.match(text):
        return text
    return None


_HOUSE_NUMBER = re.compile(r"^(?:(?:flat|apartment|apt|unit)\s*\w+[,\s]+)?\d+[a-z]?(?:\s*-\s*\d+[a-z]?)?[,\s]+", re.IGNORECASE)


def coarse_street(value: str) -> str:
    """A street without the house or flat number ("12a High Street" -> "High Street")."""
    return _HOUSE_NUMBER.sub("", value.strip()).strip(" ,")


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_CONTROL = re.compile(r"[\x00-\x1f]")


def _parse_date(value: str) -> datetime.date | None:
    # Regular expressions, not strptime: this runs for every row of a large file.
    match = _ISO_DATE.match(value)
    if match:
        year, month, day = match.groups()
    else:
        match = _UK_DATE.match(value)
        if not match:
            return None
        day, month, year = match.groups()
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None


def _parse_time(value: str) -> datetime.time | None:
    match = _TIME.match(value)
    if not match:
        return None
    hour, minute, second = match.groups()
    try:
        return datetime.time(int(hour), int(minute), int(second or 0))
    except ValueError:
        return None


def header_problem(header: list[str], spec: DatasetSpec) -> tuple[list[str], str | None]:
    """The header's column codes (normalised) and, if the columns do not match the spec, why."""
    names = [re.sub(r"[\s-]+", "_", (cell or "").replace("\ufeff", "").strip().lower()) for cell in header]
    while names and not names[-1]:
        names.pop()
    personal = [name for name in names if name in PERSONAL_COLUMNS]
    if personal:
        return names, (
            f"The file has columns that hold personal data ({', '.join(personal)}): remove them. "
            "Datasets are depersonalised (SDP Appendix 1)."
        )
    expected = spec.columns
    unknown = [name or "(blank)" for name in names if name not in expected]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    missing = [f.code for f in spec.fields if f.required and f.code not in names]
    parts = []
    if unknown:
        parts.append(f"columns this dataset does not have: {', '.join(unknown)}")
    if duplicated:
        parts.append(f"columns given twice: {', '.join(duplicated)}")
    if missing:
        parts.append(f"required columns missing: {', '.join(missing)}")
    if parts:
        return names, "The columns do not match the dataset: " + "; ".join(parts) + f". Expected: {', '.join(expected)}."
    return names, None


def _date_value(value, spec_field, spec, period):
    day = _parse_date(value)
    if day is None:
        return None, f"{spec_field.label} is not a date (use YYYY-MM-DD or DD/MM/YYYY)"
    if not period[0] <= day <= period[1]:
        return None, f"{spec_field.label} is outside the submission's period"
    return ("occurred_on", day), None


def _time_value(value, spec_field, spec, period):
    moment = _parse_time(value)
    if moment is None:
        return None, f"{spec_field.label} is not a time (use HH:MM, 24-hour)"
    return ("occurred_at", moment), None


@lru_cache(maxsize=64)
def _category_codes(spec: DatasetSpec) -> dict[str, str]:
    return {c.casefold(): c for c, _n in spec.categories} | {n.casefold(): c for c, n in spec.categories}


@lru_cache(maxsize=64)
def _fields_by_code(spec: DatasetSpec) -> dict[str, FieldSpec]:
    return {f.code: f for f in spec.fields}


def _category_value(value, spec_field, spec, period):
    folded = value.casefold()
    code_of = _category_codes(spec)
    if folded not in code_of:
        return None, f"{spec_field.label} is not one of this dataset's categories"
    return ("category", code_of[folded]), None


def _postcode_value(value, spec_field, spec, period):
    district = coarse_postcode(value)
    if district is None:
        return None, f"{spec_field.label} is not a postcode"
    return ("district", district), None


def _grid_value(value, spec_field, spec, period):
    limit = 700_000 if spec_field.type == "easting" else 1_300_000
    if not re.fullmatch(r"\d{1,7}", value) or int(value) > limit:
        return None, f"{spec_field.label} is not an {spec_field.type} in metres"
    return (spec_field.type, int(round(int(value), -2))), None


def _integer_value(value, spec_field, spec, period):
    if not re.fullmatch(r"\d{1,6}", value):
        return None, f"{spec_field.label} is not a whole number"
    return (("values", spec_field.code), int(value)), None


def _text_value(value, spec_field, spec, period):
    text = coarse_street(value) if spec_field.type == "street" else " ".join(value.split())
    found = personal_data_kind(text)
    if found:
        if spec_field.personal_data == "strip":
            return STRIPPED, None
        return None, f"{spec_field.label} looks like it holds {found}"
    if spec_field.type == "street":
        return ("street", text[:120]), None
    return (("values", spec_field.code), text), None


STRIPPED = object()
_PARSERS = {
    "date": _date_value, "time": _time_value, "category": _category_value, "postcode": _postcode_value,
    "easting": _grid_value, "northing": _grid_value, "integer": _integer_value, "text": _text_value,
    "street": _text_value,
}


def _cell_problem(value: str, label: str) -> str | None:
    if len(value) > MAX_CELL_CHARS:
        return f"{label} is longer than {MAX_CELL_CHARS} characters"
    if value.startswith(_FORMULA_START) or (value.startswith("-") and not re.match(r"^-\d", value)):
        return f"{label} starts like a spreadsheet formula"
    if _CONTROL.search(value):
        return f"{label} has control characters"
    return None


def check_cells(
    values: dict[str, str], spec: DatasetSpec, *, period: tuple[datetime.date, datetime.date]
) -> tuple[dict | None, list[str], int]:
    """(clean record, problems, values stripped) for one row's cells by column code."""
    problems: list[str] = []
    stripped = 0
    record: dict = {"values": {}}
    fields = _fields_by_code(spec)
    for code, raw in values.items():
        spec_field: FieldSpec = fields[code]
        value = raw.strip()
        if not value:
            if spec_field.required:
                problems.append(f"{spec_field.label} is missing")
            continue
        problem = _cell_problem(value, spec_field.label)
        if problem is None:
            result, problem = _PARSERS[spec_field.type](value, spec_field, spec, period)
        if problem:
            problems.append(problem)
        elif result is STRIPPED:
            stripped += 1
        else:
            key, parsed = result
            if isinstance(key, tuple):
                record["values"][key[1]] = parsed
            else:
                record[key] = parsed
    if problems:
        return None, problems, stripped
    return record, [], stripped


# --- Reading files -----------------------------------------------------------------------------


def _csv_lines(handle, bad_lines: set[int], progress: Callable[[int], None]) -> Iterator[str]:
    for number, raw in enumerate(handle, start=1):
        if number == 1:
            if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise FileRefused("The file is saved as UTF-16: save it as “CSV UTF-8” and upload it again.")
            if raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
        if b"\x00" in raw:
            raise FileRefused(f"Line {number} holds binary data: this is not a CSV file.")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            bad_lines.add(number)
            text = raw.decode("utf-8", errors="replace")
        progress(len(raw))
        yield text


def csv_rows(handle, *, progress: Callable[[int], None]) -> Iterator[tuple[int, list[str], bool]]:
    """(line, cells, decoded cleanly) for each record of a CSV file opened in binary mode."""
    head = handle.read(8192)
    handle.seek(0)
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused("The file holds binary data: it is not a CSV file. Upload a CSV or XLSX file.")
    bad_lines: set[int] = set()
    reader = csv.reader(_csv_lines(handle, bad_lines, progress), strict=True)
    previous = 0
    try:
        for cells in reader:
            line = reader.line_num
            clean = not any(number in bad_lines for number in range(previous + 1, line + 1))
            first = previous + 1
            previous = line
            yield first, cells, clean
    except csv.Error as exc:
        raise FileRefused(f"Line {reader.line_num + 1} cannot be read as CSV ({exc}).") from None


def _xlsx_guard(path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            total = 0
            for info in archive.infolist():
                total += info.file_size
                if info.file_size > 1024 * 1024 and info.file_size > MAX_XLSX_RATIO * max(info.compress_size, 1):
                    raise FileRefused("The file is compressed suspiciously well and cannot be accepted.")
            if total > MAX_XLSX_EXPANSION_BYTES:
                raise FileRefused("The file is too large once unpacked.")
            names = set(archive.namelist())
            if "xl/workbook.xml" not in names:
                raise FileRefused("The file is not an Excel workbook (XLSX). Upload a CSV or XLSX file.")
            if "xl/vbaProject.bin" in names:
                raise FileRefused("The workbook contains macros: save it as a plain .xlsx first.")
    except (zipfile.BadZipFile, OSError, EOFError):
        raise FileRefused("The file is not an Excel workbook (XLSX). Upload a CSV or XLSX file.") from None


def _cell_text(cell) -> tuple[str, bool]:
    """(text, is a formula) of an openpyxl read-only cell."""
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and value.startswith("=")):
        return "", True
    if value is None:
        return "", False
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat(), False
        return value.isoformat(sep=" "), False
    if isinstance(value, datetime.date):
        return value.isoformat(), False
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M:%S"), False
    if isinstance(value, float) and value.is_integer():
        return str(int(value)), False
    return str(value), False


def xlsx_rows(path, *, progress: Callable[[int], None]) -> Iterator[tuple[int, list[str], list[int]]]:
    """(row number, cells, indexes of formula cells) of the first sheet, streaming."""
    import openpyxl  # only XLSX submissions need it

    _xlsx_guard(path)
    # A file object: the stored name is random, and openpyxl judges a path by its extension.
    handle = open(path, "rb")  # noqa: SIM115 - closed below with the workbook
    try:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=False)
    except Exception:  # a damaged workbook raises anything from KeyError to XML errors
        handle.close()
        raise FileRefused("The workbook cannot be read. Save it again as .xlsx, or as CSV UTF-8.") from None
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(), start=1):
            cells, formulas = [], []
            for index, cell in enumerate(row):
                text, formula = _cell_text(cell)
                cells.append(text)
                if formula:
                    formulas.append(index)
            progress(1)
            yield number, cells, formulas
    finally:
        workbook.close()
        handle.close()


def check_rows(
    rows: Iterator[tuple[int, list[str], object]], spec: DatasetSpec, *, period, xlsx: bool
) -> Iterator[CheckedRow]:
    """Check each row of a file against `spec`; the first row is the header."""
    header = None
    for line, cells, extra in rows:
        if header is None:
            if xlsx and extra:
                raise FileRefused("The header row has formulas: the first row must be the column names.")
            if not xlsx and not extra:
                raise FileRefused("The header row is not UTF-8 text: save the file as “CSV UTF-8”.")
            header, problem = header_problem(cells, spec)
            if problem:
                raise FileRefused(problem)
            continue
        if not any((cell or "").strip() for cell in cells):
            continue  # blank lines are not rows
        width = len(header)
        trailing = cells[width:]
        if any((cell or "").strip() for cell in trailing) or (len(cells) < width and not xlsx):
            yield CheckedRow(line, problems=[f"has {len(cells)} values; the header has {width}"])
            continue
        if not xlsx and not extra:
            yield CheckedRow(line, problems=["is not UTF-8 text (the file mixes encodings): save it as “CSV UTF-8”"])
            continue
        if xlsx and extra:
            labels = ", ".join(header[i] for i in extra if i < width)
            yield CheckedRow(line, problems=[f"has a formula in {labels}: paste values only"])
            continue
        values = {header[i]: (cells[i] if i < len(cells) else "") for i in range(width)}
        record, problems, stripped = check_cells(values, spec, period=period)
        yield CheckedRow(line, record=record, problems=problems, stripped=stripped)


def sniff_format(name: str, head: bytes) -> str | None:
    """"csv" or "xlsx" from the name, if the content agrees; None otherwise."""
    lower = name.lower()
    if lower.endswith(".xlsx"):
        return "xlsx" if head.startswith(b"PK\x03\x04") else None
    if lower.endswith(".csv"):
        return None if head.startswith(b"PK\x03\x04") else "csv"
    return None


def rows_of(path, file_format: str, *, progress: Callable[[int], None]):
    if file_format == "xlsx":
        return xlsx_rows(path, progress=progress)
    return _csv_file_rows(path, progress=progress)


def _csv_file_rows(path, *, progress):
    with open(path, "rb") as handle:
        yield from csv_rows(io.BufferedReader(handle), progress=progress)
