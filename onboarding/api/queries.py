"""The lookup every API call makes, compiled to SQL once per database connection.

An API call is small, and for it the ORM spends far more time turning a queryset into SQL
than the database spends answering (on the bench, a `.get()` costs about as much as all of
DRF). The SQL of the key lookup never changes, only the App Key in it, so it
is compiled once and run again with the new App Key; rows still go through the database
backend's converters, so values are what the ORM would give.
"""

from __future__ import annotations

import weakref

from django.db import DEFAULT_DB_ALIAS, connections

from onboarding.models import ConnectionKey, Organization

KEY_FIELDS = [f.attname for f in ConnectionKey._meta.concrete_fields
              if f.attname in {"id", "organization_id", "software", "app_key", "secret_hash",
                               "last_used_at", "last_tested_at", "revoked_at"}]
ORGANIZATION_FIELDS = [f.attname for f in Organization._meta.concrete_fields
                       if f.attname in {"id", "environment_id", "name", "company_id",
                                        "status"}]


class PreparedQuery:
    """`build(parameter)` returns a values_list queryset with one parameter; run it by
    `rows(value)` without compiling it again. `placeholder` is a value of the parameter's
    type that nothing else in the query equals; the ORM converts the parameter to its
    field's type, so it cannot be a sentinel object."""

    def __init__(self, build, placeholder):
        self.build = build
        self.placeholder = placeholder
        # Per connection object: compilers and converters hold their connection, and each
        # thread has its own.
        self._compiled = weakref.WeakKeyDictionary()

    def _compile(self, connection):
        compiler = self.build(self.placeholder).query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        params = list(params)
        if params.count(self.placeholder) != 1:
            raise ValueError("A prepared query takes exactly one parameter.")
        columns = [select[0] for select in compiler.select[: compiler.col_count]]
        compiled = (sql, params, params.index(self.placeholder), compiler,
                    compiler.get_converters(columns))
        self._compiled[connection] = compiled
        return compiled

    def rows(self, value, using: str = DEFAULT_DB_ALIAS) -> list[list]:
        connection = connections[using]
        compiled = self._compiled.get(connection) or self._compile(connection)
        sql, params, position, compiler, converters = compiled
        params = params.copy()
        params[position] = value
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            return list(compiler.apply_converters(rows, converters))
        return rows


_key_lookup = PreparedQuery(
    lambda app_key: ConnectionKey.objects.filter(app_key=app_key)
    .order_by("organization__identifiers__created_at", "organization__identifiers__id")
    .values_list(*KEY_FIELDS, *(f"organization__{name}" for name in ORGANIZATION_FIELDS),
                 "organization__identifiers__scheme", "organization__identifiers__value"),
    placeholder="\x00app key\x00")


def key_with_organization(app_key: str) -> tuple[ConnectionKey, list[tuple[str, str]]] | None:
    """The key with its organization, and the organization's Peppol identifiers as (scheme,
    value) oldest first, in one query: a row per identifier, or one without any. Other
    fields of key and organization load when first read."""
    rows = _key_lookup.rows(app_key)
    if not rows:
        return None
    row, split = rows[0], len(KEY_FIELDS)
    key = ConnectionKey.from_db(DEFAULT_DB_ALIAS, KEY_FIELDS, row[:split])
    key.organization = Organization.from_db(DEFAULT_DB_ALIAS, ORGANIZATION_FIELDS,
                                            row[split:-2])
    identifiers = [(scheme, value) for *_fields, scheme, value in rows if scheme is not None]
    return key, identifiers
