"""Reads of the datasets app: submissions (guarded: 404 for missing and not-yours) and the
aggregates behind the hotspot, trend and feed pages, always from `AreaCount` of accepted
submissions and always through disclosure control before anything is shown.

"Emerging problems" (SDP 5.4: "an understanding of emerging problems and hotspot areas"): an
area and category whose latest month is unusually high against its own history. Method: over the
12 months before the latest one (at least 6 of them with data), take the mean m and standard
deviation s of the monthly counts; the latest month x is flagged when x ≥ m + 2·max(s, √m, 1)
and x is published (at or over the threshold and not suppressed in that month's table).
"""
from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from django.db.models import Count, Max, Min, QuerySet, Sum
from django.http import Http404

from portal.models import Membership, Partnership
from portal.protocols.selectors import current_protocol_pack
from portal.roles import Role
from portal.selectors.partnerships import PARTNERSHIP_ROLES, membership_partnership

from .disclosure import PublishedTable, suppress, suppress_series
from .models import AreaCount, FeedToken, Submission, SubmissionStatus
from .specs import DatasetSpec, pack_dataset, pack_datasets, pack_threshold

ORGANISATION_ROLES = frozenset({Role.OFFICER, Role.DESIGNATED_OFFICER})
UNCATEGORISED = ""


def datasets_partnership(*, membership: Membership | None) -> Partnership | None:
    return membership_partnership(membership=membership)


def partnership_datasets(*, partnership: Partnership | None) -> list[DatasetSpec]:
    return pack_datasets(current_protocol_pack(partnership))


def partnership_dataset(*, partnership: Partnership | None, code: str) -> DatasetSpec:
    spec = pack_dataset(current_protocol_pack(partnership), code)
    if spec is None:
        raise Http404("No such dataset")
    return spec


def partnership_marking(*, partnership: Partnership | None) -> str:
    """The lowest marking of the partnership's pack in force (its first level): what a depersonalised
    export is handled under. "" when no pack or no levels."""
    pack = current_protocol_pack(partnership)
    level = pack.marking_levels.order_by("order").first() if pack else None
    return level.name if level else ""


def partnership_threshold(*, partnership: Partnership | None) -> int:
    return pack_threshold(current_protocol_pack(partnership))


def submissions_visible(*, membership: Membership) -> QuerySet[Submission]:
    """Officers and designated officers see their organisation's submissions; the partnership's
    admins and auditors see every submission to it; nobody else sees any."""
    submissions = Submission.objects.select_related("organisation", "submitted_by", "pack")
    if membership.role in ORGANISATION_ROLES:
        return submissions.filter(organisation=membership.organisation_id)
    if membership.role in PARTNERSHIP_ROLES and membership.partnership_id:
        return submissions.filter(partnership=membership.partnership_id)
    return submissions.none()


def access_submission(*, membership: Membership | None, pk: int) -> Submission:
    if membership is None:
        raise Http404("No such submission")
    submission = submissions_visible(membership=membership).filter(pk=pk).first()
    if submission is None:
        raise Http404("No such submission")
    return submission


def feed_tokens(*, partnership: Partnership) -> QuerySet[FeedToken]:
    return FeedToken.objects.filter(partnership=partnership).select_related("created_by")


def access_feed_token(*, membership: Membership, pk: int) -> FeedToken:
    token = None
    if membership.role == Role.ADMIN and membership.partnership_id:
        token = FeedToken.objects.filter(partnership=membership.partnership_id, pk=pk).first()
    if token is None:
        raise Http404("No such token")
    return token


def feed_token_for(*, digest: str) -> FeedToken | None:
    return FeedToken.objects.select_related("partnership", "created_by").filter(digest=digest, revoked_at__isnull=True).first()


# --- Aggregates ---------------------------------------------------------------------------------


def _counts(*, partnership: Partnership, dataset_code: str) -> QuerySet[AreaCount]:
    return AreaCount.objects.filter(
        partnership=partnership, dataset_code=dataset_code, submission__status=SubmissionStatus.ACCEPTED
    )


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, current = [], month_start(first)
    while current <= last:
        months.append(current)
        current = add_months(current, 1)
    return months


def dataset_months(*, partnership: Partnership, dataset_code: str) -> tuple[datetime.date | None, datetime.date | None]:
    span = _counts(partnership=partnership, dataset_code=dataset_code).aggregate(first=Min("month"), last=Max("month"))
    return span["first"], span["last"]


def dataset_districts(*, partnership: Partnership, dataset_code: str) -> list[str]:
    return sorted(
        _counts(partnership=partnership, dataset_code=dataset_code).values_list("district", flat=True).distinct()
    )


@dataclass(frozen=True)
class Hotspots:
    spec: DatasetSpec
    first_month: datetime.date
    last_month: datetime.date
    table: PublishedTable  # districts x categories, with margins, suppressed
    category_labels: dict


def hotspot_table(
    *, partnership: Partnership, spec: DatasetSpec, first_month: datetime.date, last_month: datetime.date
) -> Hotspots:
    """Counts by outward postcode district and category over the months, suppressed."""
    rows = (
        _counts(partnership=partnership, dataset_code=spec.code)
        .filter(month__gte=first_month, month__lte=last_month)
        .values("district", "category")
        .annotate(n=Sum("count"))
    )
    counts = {(row["district"], row["category"]): row["n"] for row in rows}
    districts = sorted({district for district, _ in counts})
    if spec.has_categories:
        categories = [code for code, _name in spec.categories]
        labels = spec.category_names
    else:
        categories, labels = [UNCATEGORISED], {UNCATEGORISED: "Records"}
    table = suppress(counts, rows=districts, columns=categories, threshold=partnership_threshold(partnership=partnership))
    return Hotspots(spec=spec, first_month=first_month, last_month=last_month, table=table, category_labels=labels)


@dataclass(frozen=True)
class Trend:
    months: list
    table: PublishedTable  # one row ("series"), a column per month


def trend_series(
    *, partnership: Partnership, spec: DatasetSpec, first_month: datetime.date, last_month: datetime.date,
    district: str = "", category: str = "",
) -> Trend:
    counts = _counts(partnership=partnership, dataset_code=spec.code).filter(month__gte=first_month, month__lte=last_month)
    if district:
        counts = counts.filter(district=district)
    if category:
        counts = counts.filter(category=category)
    by_month = {row["month"]: row["n"] for row in counts.values("month").annotate(n=Sum("count"))}
    months = months_between(first_month, last_month)
    table = suppress_series(by_month, keys=months, threshold=partnership_threshold(partnership=partnership))
    return Trend(months=months, table=table)


@dataclass(frozen=True)
class EmergingProblem:
    district: str
    category: str
    latest: int
    mean: float
    limit: float


def emerging_problems(*, partnership: Partnership, spec: DatasetSpec, latest_month: datetime.date) -> list[EmergingProblem]:
    """The method is in the module docstring."""
    threshold = partnership_threshold(partnership=partnership)
    history_start = add_months(latest_month, -12)
    rows = (
        _counts(partnership=partnership, dataset_code=spec.code)
        .filter(month__gte=history_start, month__lte=latest_month)
        .values("district", "category", "month")
        .annotate(n=Sum("count"))
    )
    series: dict[tuple[str, str], dict] = {}
    for row in rows:
        series.setdefault((row["district"], row["category"]), {})[row["month"]] = row["n"]
    latest = {key: months.get(latest_month, 0) for key, months in series.items()}
    districts = sorted({d for d, _ in series})
    categories = [code for code, _ in spec.categories] if spec.has_categories else [UNCATEGORISED]
    published = suppress(latest, rows=districts, columns=categories, threshold=threshold)
    history_months = months_between(history_start, add_months(latest_month, -1))
    found = []
    for (district, category), months in series.items():
        x = published.cells.get((district, category))
        if x is None or x < threshold:
            continue
        history = [months.get(month, 0) for month in history_months]
        if sum(1 for value in history if value) < 6:
            continue
        mean = sum(history) / len(history)
        sd = math.sqrt(sum((value - mean) ** 2 for value in history) / len(history))
        limit = mean + 2 * max(sd, math.sqrt(mean), 1)
        if x >= limit:
            found.append(EmergingProblem(district=district, category=category, latest=x, mean=mean, limit=limit))
    return sorted(found, key=lambda p: (-(p.latest / max(p.mean, 1)), p.district, p.category))


def feed_rows(*, partnership: Partnership, months: int = 24) -> list[dict]:
    """The anonymised feed: per dataset and month, the suppressed district x category table, as
    flat rows (suppressed cells have count None)."""
    threshold = partnership_threshold(partnership=partnership)
    out = []
    for spec in partnership_datasets(partnership=partnership):
        _first, last = dataset_months(partnership=partnership, dataset_code=spec.code)
        if last is None:
            continue
        start = add_months(last, -(months - 1))
        grouped: dict = {}
        for row in (
            _counts(partnership=partnership, dataset_code=spec.code).filter(month__gte=start)
            .values("month", "district", "category").annotate(n=Sum("count"))
        ):
            grouped.setdefault(row["month"], {})[(row["district"], row["category"])] = row["n"]
        categories = [code for code, _ in spec.categories] if spec.has_categories else [UNCATEGORISED]
        for month in sorted(grouped):
            counts = grouped[month]
            districts = sorted({d for d, _ in counts})
            table = suppress(counts, rows=districts, columns=categories, threshold=threshold)
            for district in districts:
                for category in categories:
                    out.append({
                        "dataset": spec.code, "month": month.strftime("%Y-%m"), "district": district,
                        "category": category, "count": table.cell(district, category),
                        "suppressed": table.cell(district, category) is None,
                    })
    return out


def submission_counts_by_status(*, membership: Membership) -> dict[str, int]:
    return dict(submissions_visible(membership=membership).values_list("status").annotate(n=Count("pk")).order_by())
