"""Demo data for the Durham datasets (`make run`): two years of every SDP Appendix 1 dataset,
made up, submitted and checked through the same services as a real upload (so the demo's counts
went through the same checks), one submission per dataset and year. The last month has a spike
of personal ASB in DH1 and of assaults in DL14, for the emerging-problems list to find.
"""
from __future__ import annotations

import csv
import datetime
import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portal.models import Membership, Organisation, Partnership, User
from portal.protocols.selectors import current_protocol_pack
from portal.roles import Role

from . import services
from .areas import AREAS
from .models import Submission, SubmissionStatus
from .specs import DatasetSpec, pack_datasets

DEMO_SLUG = "safe-durham"
# Some districts are busier than others (town centres): a weight per district.
BUSY = {"DH1": 3.0, "DL14": 2.2, "DH8": 1.8, "SR8": 2.0, "DL5": 1.6, "DH9": 1.4}
STREETS = ["High Street", "Front Street", "Market Place", "Station Road", "North Road", "Church Lane", "Park View"]


def _months_back(count: int) -> list[datetime.date]:
    first_of_this = timezone.localdate().replace(day=1)
    months = []
    current = first_of_this
    for _ in range(count):
        current = (current - datetime.timedelta(days=1)).replace(day=1)
        months.append(current)
    return sorted(months)


def _month_end(month: datetime.date) -> datetime.date:
    return ((month + datetime.timedelta(days=32)).replace(day=1)) - datetime.timedelta(days=1)


def _rows(spec: DatasetSpec, months: list[datetime.date], rng: random.Random, *, spike_month: datetime.date) -> list[dict]:
    districts = sorted(AREAS[DEMO_SLUG]["points"])
    categories = [code for code, _ in spec.categories] or [""]
    rows = []
    base = 1.2 if spec.code.startswith("police") else 0.5
    for month in months:
        days = _month_end(month).day
        seasonal = 1.0 + 0.25 * (month.month in (6, 7, 8))
        for district in districts:
            for index, category in enumerate(categories):
                mean = base * BUSY.get(district, 1.0) * seasonal * (1.6 if index == 0 else 0.7)
                if month == spike_month and (
                    (spec.code == "police-asb" and district == "DH1" and category == "asb-personal")
                    or (spec.code == "nhs-admissions" and district == "DL14" and category == "x85-y09")
                ):
                    mean *= 4
                count = max(0, round(rng.gauss(mean * 4, (mean * 4) ** 0.5)))
                for _ in range(count):
                    rows.append({"month": month, "day": rng.randint(1, days), "district": district, "category": category})
    return rows


def _csv(spec: DatasetSpec, rows: list[dict], rng: random.Random) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(spec.columns)
    for row in rows:
        values = []
        for field in spec.fields:
            if field.type == "date":
                values.append(row["month"].replace(day=row["day"]).isoformat())
            elif field.type == "time":
                values.append(f"{rng.randint(0, 23):02d}:{rng.choice((0, 15, 30, 45)):02d}")
            elif field.type == "category":
                values.append(row["category"])
            elif field.type == "postcode":
                values.append(f"{row['district']} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}")
            elif field.type == "street":
                values.append(f"{rng.randint(1, 120)} {rng.choice(STREETS)}")
            elif field.type == "easting":
                values.append(str(420000 + rng.randint(0, 9999)))
            elif field.type == "northing":
                values.append(str(535000 + rng.randint(0, 9999)))
            elif field.type == "integer":
                values.append(str(rng.choice((0, 0, 0, 1, 2))))
            else:
                values.append(rng.choice(["Reported by a neighbour", "Ongoing", "Repeat location", ""]))
        writer.writerow(values)
    return buffer.getvalue().encode("utf-8")


DEMO_SUBMITTER = "data.durham"


def _submitter(organisation: Organisation) -> Membership:
    """The organisation's first officer, or else the demo's data officer (who cannot sign in:
    the demo's submissions need someone of each owning organisation to have made them)."""
    membership = Membership.objects.filter(organisation=organisation, role=Role.OFFICER, is_active=True).first()
    if membership is not None:
        return membership
    user, created = User.objects.get_or_create(
        username=DEMO_SUBMITTER, defaults={"first_name": "Demo", "last_name": "Data Officer", "email": "data.durham@demo.invalid"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    membership, _ = Membership.objects.get_or_create(user=user, organisation=organisation, role=Role.OFFICER, partnership=None)
    return membership


def datasets_demo_load() -> str | None:
    partnership = Partnership.objects.filter(slug=DEMO_SLUG).first()
    pack = current_protocol_pack(partnership)
    if pack is None:
        return None
    rng = random.Random(13)
    months = _months_back(24)
    years = [months[:12], months[12:]]
    loaded = 0
    for spec in pack_datasets(pack):
        organisation = Organisation.objects.filter(partnership_places__partnership=partnership, kind=spec.owner_kind).order_by("pk").first()
        if organisation is None:
            continue
        if Submission.objects.filter(partnership=partnership, dataset_code=spec.code, status=SubmissionStatus.ACCEPTED).exists():
            continue
        membership = _submitter(organisation)
        for year in years:
            content = _csv(spec, _rows(spec, year, rng, spike_month=months[-1]), rng)
            submission = services.submission_create(
                membership=membership, partnership=partnership, dataset_code=spec.code, period_start=year[0],
                period_end=_month_end(year[-1]), upload=SimpleUploadedFile(f"{spec.code}-{year[0]:%Y-%m}.csv", content),
                acting_user=membership.user,
            )
            submission = services.submission_check(submission_id=submission.pk)
            if submission and submission.status == SubmissionStatus.ACCEPTED:
                loaded += submission.rows_loaded
    return f"{loaded:,} depersonalised records over two years for the Durham datasets" if loaded else None
