import pytest

from onboarding.models import AuditEvent, Invitation, Role

pytestmark = pytest.mark.django_db


def test_it_shows_changes_with_who_and_what(client, cast):
    Invitation.send(environment=cast.company, email="new@acme.nl", role=Role.ADVANCED,
                    by=cast.admin)
    client.force_login(cast.admin)
    response = client.get("/activity/")
    assert "Invited new@acme.nl as Advanced." in response.content.decode()
    assert b"admin@acme.nl" in response.content
    assert b"new@acme.nl" in response.content


def test_it_filters_by_action_and_actor(client, cast):
    Invitation.send(environment=cast.company, email="new@acme.nl", role=Role.BASIC,
                    by=cast.admin)
    AuditEvent.objects.create(environment=cast.company, actor_label="basic@acme.nl",
                              action="member.joined", target_label="x")
    client.force_login(cast.admin)
    response = client.get("/activity/", {"action": "member.joined"})
    assert b"basic@acme.nl" in response.content
    assert b"Invited new@acme.nl" not in response.content
    response = client.get("/activity/", {"actor": "admin@"})
    assert b"Invited new@acme.nl" in response.content
    assert b"Joined the environment" not in response.content


def test_it_paginates(client, cast):
    AuditEvent.objects.bulk_create([
        AuditEvent(environment=cast.company, actor_label=f"user{i}@acme.nl", action="test.event")
        for i in range(120)
    ])
    client.force_login(cast.admin)
    first = client.get("/activity/")
    assert b"Page 1 of 3" in first.content
    third = client.get("/activity/?page=3")
    assert third.content.count(b"@acme.nl</td>") == 20


def test_it_shows_only_the_current_environment(client, cast):
    AuditEvent.objects.create(environment=cast.other, actor_label="outsider@other.nl",
                              action="secret.event")
    client.force_login(cast.admin)
    assert b"secret.event" not in client.get("/activity/").content


def test_it_records_staff_changes_to_the_environment(client, cast):
    from onboarding.models import User

    staff = User.objects.create_superuser("root@portal.example", "x-long-password-1")
    client.force_login(staff)
    response = client.post(f"/admin/onboarding/environment/{cast.company.pk}/change/", {
        "name": "Acme", "domain": "acme.nl", "joins_by_domain": "on", "is_shared": "on",
        "subscription": "basic",
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content[:2000]
    event = AuditEvent.objects.get(action="environment.changed")
    assert event.environment == cast.company
    assert event.before["is_shared"] is False and event.after["is_shared"] is True
    assert event.after["subscription"] == "basic"
    client.force_login(cast.admin)
    assert b"environment.changed" in client.get("/activity/").content


def test_it_keeps_document_steps_out_of_the_changes_people_made_until_asked(client, cast):
    Invitation.send(environment=cast.company, email="new@acme.nl", role=Role.BASIC,
                    by=cast.admin)
    AuditEvent.objects.create(environment=cast.company, actor_label="system: routing",
                              action="document.delivered", target_label="F-2026-001",
                              after={"status": "delivered", "direction": "outgoing"})
    client.force_login(cast.admin)

    first = client.get("/activity/").content.decode()
    documents = client.get("/activity/", {"kind": "documents"}).content.decode()
    everything = client.get("/activity/", {"kind": "all"}).content.decode()
    by_name = client.get("/activity/", {"action": "document.delivered"}).content.decode()

    assert "Invited new@acme.nl" in first and "F-2026-001" not in first
    assert '<option value="settings" selected>' in first
    assert "F-2026-001" in documents and "Invited new@acme.nl" not in documents
    assert "F-2026-001" in everything and "Invited new@acme.nl" in everything
    assert "F-2026-001" in by_name and "Invited new@acme.nl" not in by_name


def test_the_admins_event_list_reads_the_environments_with_the_events(client, cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from onboarding.models import User

    client.force_login(User.objects.create_superuser("root@portal.example", "x-long-password-1"))

    def queries_for(environments):
        for environment in environments:
            AuditEvent.objects.create(environment=environment, actor_label="x@acme.nl",
                                      action="member.joined")
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/admin/onboarding/auditevent/").status_code == 200
        return len(captured)

    few = queries_for([cast.company])
    assert queries_for([cast.company, cast.client, cast.other, cast.accountancy]) == few


def test_it_shows_the_days_asked_for_in_the_readers_time_zone(client, cast):
    from datetime import datetime

    from django.utils import timezone

    def at(*moment):
        return timezone.make_aware(datetime(*moment))

    for label, moment in (("before@acme.nl", at(2026, 2, 28, 23, 59)),
                          ("first@acme.nl", at(2026, 3, 1, 0, 0)),
                          ("last@acme.nl", at(2026, 3, 1, 23, 59)),
                          ("after@acme.nl", at(2026, 3, 2, 0, 0))):
        event = AuditEvent.objects.create(environment=cast.company, actor_label=label,
                                          action="member.joined")
        AuditEvent.objects.filter(pk=event.pk).update(created_at=moment)
    client.force_login(cast.admin)

    def shown(query):
        page = client.get("/activity/", {"kind": "all", **query}).content.decode()
        return sorted(label.split("@")[0] for label in
                      ("before@acme.nl", "first@acme.nl", "last@acme.nl", "after@acme.nl")
                      if label in page)

    assert shown({"since": "2026-03-01", "until": "2026-03-01"}) == ["first", "last"]
    assert shown({"since": "2026-03-02"}) == ["after"]
    assert shown({"until": "2026-02-28"}) == ["before"]


@pytest.mark.parametrize("field, day", [("until", "9999-12-31"), ("since", "0001-01-01")])
def test_it_says_beside_the_field_that_a_day_at_the_calendars_edge_is_too_far_off(
        client, cast, field, day):
    from tests.conftest import tied_error

    client.force_login(cast.admin)
    response = client.get("/activity/", {field: day})
    assert response.status_code == 200
    assert tied_error(response, f"id_{field}") == \
        "This day is too far off to search by: enter a day closer to today."


def empty_state(response) -> str:
    page = response.content.decode()
    start = page.index('class="empty-state"')
    return page[start:page.index("</div>", start)]


def test_it_lists_nothing_for_an_action_the_log_does_not_hold_and_says_why(client, cast):
    from tests.conftest import tied_error

    Invitation.send(environment=cast.company, email="new@acme.nl", role=Role.BASIC,
                    by=cast.admin)
    client.force_login(cast.admin)

    response = client.get("/activity/", {"action": "contract.ended"})

    assert response.status_code == 200
    assert tied_error(response, "id_action") == \
        "This log holds no such action: choose one from the list."
    assert "Invited new@acme.nl" not in response.content.decode()
    empty = empty_state(response)
    assert "Nothing is listed while a filter is not valid" in empty
    assert '<a href="/activity/">Clear filters</a>' in empty


def test_it_lists_nothing_while_a_day_is_not_valid(client, cast):
    Invitation.send(environment=cast.company, email="new@acme.nl", role=Role.BASIC,
                    by=cast.admin)
    client.force_login(cast.admin)

    response = client.get("/activity/", {"since": "yesterday"})

    assert "Invited new@acme.nl" not in response.content.decode()
    assert '<a href="/activity/">Clear filters</a>' in empty_state(response)


def test_it_offers_to_clear_the_filters_when_nothing_matches_them(client, cast):
    Invitation.send(environment=cast.company, email="new@acme.nl", role=Role.BASIC,
                    by=cast.admin)
    cast.admin.language = "nl"
    cast.admin.save()
    client.force_login(cast.admin)

    empty = empty_state(client.get("/activity/", {"actor": "nobody@"}))

    assert "Er is geen activiteit die aan deze filters voldoet." in empty
    assert '<a href="/activity/">Filters wissen</a>' in empty


def test_it_says_an_environment_without_activity_has_none_yet(client, cast):
    AuditEvent.objects.filter(environment=cast.company).delete()
    client.force_login(cast.admin)

    empty = empty_state(client.get("/activity/"))

    assert "Nothing has been recorded in this environment yet." in empty
    assert "Clear filters" not in empty
