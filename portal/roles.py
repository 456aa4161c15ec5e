"""The roles of DOMAIN.md §3. A role is held per organisation, through a Membership."""
from django.db import models


class Role(models.TextChoices):
    OFFICER = "officer", "Partner officer"
    DESIGNATED_OFFICER = "designated_officer", "Designated officer"
    CHAIR = "chair", "Meeting chair"
    AUDITOR = "auditor", "Auditor"
    ADMIN = "admin", "Partnership admin"
