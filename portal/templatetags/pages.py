"""Links between the pages of a list (portal/pagination.html)."""

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def page_query(context, number, param="page"):
    """The current query string with page `number` under `param`: a page may hold two
    lists, each paged by a parameter of its own. Every value is percent-encoded, so the
    only characters left unescaped are the "&" between them."""
    query = context["request"].GET.copy()
    query[param] = number
    return mark_safe(f"?{query.urlencode()}")
