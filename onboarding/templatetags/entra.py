from django import template

from onboarding.clients import entra as entra_client

register = template.Library()


@register.simple_tag
def entra_enabled() -> bool:
    """Whether signing in with Microsoft is offered: an app registration is configured."""
    return entra_client.is_enabled()
