from django.core.paginator import Paginator

PAGE_SIZE = 25


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    """The requested page; an out-of-range or garbled page number gives the nearest page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


# How many organizations a menu lists to choose from; the rest are a link away.
MENU_SIZE = 30


def first_of(queryset, count: int) -> tuple[list, bool]:
    """The first `count` rows, and whether there are more."""
    rows = list(queryset[:count + 1])
    return rows[:count], len(rows) > count


def creatable_menu(organizations) -> dict:
    """A list page's "create" menu: the first organizations by name, and whether there are
    more (then a link leads to them)."""
    creatable, more = first_of(organizations.order_by("name").only("pk", "name", "company_id"),
                               MENU_SIZE)
    return {"creatable": creatable, "more_creatable": more}
