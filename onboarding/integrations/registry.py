"""Every guided setup, by slug. A new integration is one module in this package that calls
`register`, listed in MODULES."""

from __future__ import annotations

from importlib import import_module

from onboarding.integrations.base import REST, SOAP, Setup

MODULES = ("afas", "fourps_construct", "business_central_api31", "business_central_psb",
           "accept")

_setups: dict[str, Setup] = {}


def register(setup: Setup) -> Setup:
    _setups[setup.slug] = setup
    return setup


def _load():
    if len(_setups) < len(MODULES):
        for name in MODULES:
            import_module(f"onboarding.integrations.{name}")


def all_setups() -> list[Setup]:
    _load()
    return [_setups[name] for name in sorted(_setups, key=_order)]


def _order(slug):
    order = [import_module(f"onboarding.integrations.{m}").SETUP.slug for m in MODULES]
    return order.index(slug) if slug in order else len(order)


def get(slug: str) -> Setup | None:
    _load()
    return _setups.get(slug)


def with_keys_for(software: str) -> Setup | None:
    """The guided setup in which `software` signs in with connection keys, if there is one."""
    return next((setup for setup in all_setups() if setup.software == software
                 and any(step.creates_key for step in setup.steps)), None)


def apis_for(software: str) -> tuple[str, ...]:
    """The platform's APIs that `software` calls with its connection keys: those of its guided
    setup, or, for software without one (Other), every API, for its developers to choose."""
    setup = with_keys_for(software)
    return setup.apis if setup is not None and setup.apis else (REST, SOAP)
