"""Query pieces that several apps' scopes share."""

from django.db import models
from django.db.models.functions import Coalesce


def count_of(rows: models.QuerySet, by: str) -> Coalesce:
    """How many of `rows` belong to the outer row, for `annotate()`: `rows` is filtered on an
    `OuterRef` through the field `by`. A subquery rather than a join, so that a search that
    joins the same table already does not multiply what is counted; 0 where none are."""
    counted = rows.order_by().values(by).annotate(count=models.Count("*")).values("count")
    return Coalesce(models.Subquery(counted), 0)
