from django.core.paginator import Paginator

PAGE_SIZE = 25


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    """The requested page; an out-of-range or garbled page number gives the nearest page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
