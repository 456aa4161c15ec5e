"""Backup codes were stored as typed; now only a keyed digest is (portal.auth.services
`backup_code_digest`). This hashes the codes already issued, so they keep working. The digest is
written out here rather than imported (a migration never imports app code); it must stay the same
as the service's. Irreversible: the codes themselves are gone."""
from django.conf import settings
from django.db import migrations
from django.utils.crypto import salted_hmac

PLAIN_CODE_LENGTH = 8  # django-otp's StaticToken.random_token(); a digest is 16


def hash_backup_codes(apps, schema_editor):
    StaticToken = apps.get_model("otp_static", "StaticToken")
    for token in StaticToken.objects.select_related("device").iterator():
        if len(token.token) == PLAIN_CODE_LENGTH:
            token.token = salted_hmac(
                f"portal.backup_code.{token.device.user_id}", token.token.lower(), secret=settings.SECRET_KEY,
                algorithm="sha256",
            ).hexdigest()[:16]
            token.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0007_decision_log_anchors_and_access_log_delete_guard"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(hash_backup_codes, migrations.RunPython.noop)]
