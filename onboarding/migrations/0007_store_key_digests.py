from django.db import migrations, models

import onboarding.models.partnerships
from portal import digests


def hash_stored_keys(apps, schema_editor):
    """Replace each stored key by its digest; links and keys already handed out keep working,
    since what they present is hashed the same way."""
    Invitation = apps.get_model("onboarding", "Invitation")
    AuthorisationRequest = apps.get_model("onboarding", "AuthorisationRequest")
    Contract = apps.get_model("onboarding", "Contract")
    for invitation in Invitation.objects.only("key_hash").iterator():
        invitation.key_hash = digests.digest(invitation.key_hash)
        invitation.save(update_fields=["key_hash"])
    for request in AuthorisationRequest.objects.only("key_hash").iterator():
        request.key_hash = digests.digest(request.key_hash)
        request.save(update_fields=["key_hash"])
    for contract in Contract.objects.only("subscription_key_hash").iterator():
        key = contract.subscription_key_hash
        contract.subscription_key_hint = key[-4:]
        contract.subscription_key_hash = digests.digest(key)
        contract.save(update_fields=["subscription_key_hash", "subscription_key_hint"])


class Migration(migrations.Migration):

    dependencies = [
        ("onboarding", "0006_encrypt_mfa_secrets"),
    ]

    operations = [
        migrations.RenameField(model_name="invitation", old_name="key", new_name="key_hash"),
        migrations.RenameField(model_name="authorisationrequest", old_name="key",
                               new_name="key_hash"),
        migrations.AlterField(
            model_name="authorisationrequest",
            name="key_hash",
            field=models.CharField(
                default=onboarding.models.partnerships._key_hash_placeholder, editable=False,
                max_length=64, unique=True),
        ),
        migrations.RenameField(model_name="contract", old_name="subscription_key",
                               new_name="subscription_key_hash"),
        migrations.AlterField(
            model_name="contract",
            name="subscription_key_hash",
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
        migrations.AddField(
            model_name="contract",
            name="subscription_key_hint",
            field=models.CharField(blank=True, editable=False, max_length=8,
                                   verbose_name="subscription key"),
        ),
        # Old keys cannot be recovered from their digests: there is no way back.
        migrations.RunPython(hash_stored_keys, migrations.RunPython.noop),
    ]
