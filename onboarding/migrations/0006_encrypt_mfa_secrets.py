from django.db import migrations

from onboarding import encryption


def _apply(apps, change):
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.filter(
            type__in=list(encryption.SECRET_FIELDS)).iterator():
        data = encryption.transform_data(authenticator.type, authenticator.data, change)
        if data != authenticator.data:
            authenticator.data = data
            authenticator.save(update_fields=["data"])


def encrypt_plain_secrets(apps, schema_editor):
    _apply(apps, encryption.encrypt_if_plain)


def decrypt_secrets(apps, schema_editor):
    _apply(apps, encryption.decrypt_if_encrypted)


class Migration(migrations.Migration):

    dependencies = [
        ("onboarding", "0005_entra_party_links"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [
        migrations.RunPython(encrypt_plain_secrets, decrypt_secrets),
    ]
