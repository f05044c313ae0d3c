"""`{{ event.actor_label|actor }}`: who acted, as an activity log or a document's history
stores it, in the reader's language."""

from django import template

from onboarding.audit_text import actor_text

register = template.Library()
register.filter("actor", actor_text)
