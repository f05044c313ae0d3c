from django.core.paginator import Paginator

PAGE_SIZE = 25


def paginate(request, queryset, per_page: int = PAGE_SIZE, *, param: str = "page"):
    """The page the query parameter `param` asks for; an out-of-range or garbled number
    gives the nearest page."""
    return Paginator(queryset, per_page).get_page(request.GET.get(param))


# How many organizations a menu lists to choose from; the rest are a link away.
MENU_SIZE = 30


def creatable_menu(organizations) -> dict:
    """A list page's "create" menu: the first MENU_SIZE organizations by name, and whether
    there are more (then a link leads to them)."""
    rows = list(organizations.order_by("name").only("pk", "name", "company_id")[:MENU_SIZE + 1])
    return {"creatable": rows[:MENU_SIZE], "more_creatable": len(rows) > MENU_SIZE}
