import pytest
from django.core.management import call_command

from onboarding.models import Environment, Organization, User

pytestmark = pytest.mark.django_db


def test_it_creates_the_demo_logins_once(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "admin@demo-bakery.nl" in out and "techsupport@portal.example" in out
    assert "sales@portal.example" in out
    assert User.objects.filter(email="admin@demo-bakery.nl").get().check_password(
        "demo-portal-2026")
    assert Environment.objects.count() == 2
    assert Organization.objects.get().company_id.startswith("XCNL")
    call_command("seed_demo")
    assert "left as it is" in capsys.readouterr().out
    assert User.objects.count() == 5
    assert User.objects.get(email="sales@portal.example").is_sales
