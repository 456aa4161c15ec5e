"""The roles of DOMAIN.md §3. A role is held per organisation, through a Membership."""
from django.db import models


class Role(models.TextChoices):
    OFFICER = "officer", "Partner officer"
    DESIGNATED_OFFICER = "designated_officer", "Designated officer"
    CHAIR = "chair", "Meeting chair"
    AUDITOR = "auditor", "Auditor"
    # SDP 8, 9: the organisation's data protection officer (information-governance lead) handles its
    # breaches, complaints and data-subject rights cases; a case, not the role, opens released content.
    DPO = "dpo", "Data protection officer"
    ADMIN = "admin", "Partnership admin"
