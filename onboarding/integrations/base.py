"""The shape of a guided setup: a declarative definition of steps, each with the values to
copy into the software and a check that reads the platform's real state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from invoices.peppol.schemes import vat_codes

# The identifiers the 4PS guides ask on a customer card: a KvK number, a GLN or a VAT number.
KVK_GLN_OR_VAT = ("0106", "0088", *vat_codes())

# The platform's APIs that software calls with its connection keys: the SOAP v3.1 endpoint
# (with its WSDL), which the packages of the guides speak, and the REST API.
SOAP = "soap"
REST = "rest"


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    # Each line is one instruction; the software's own screen and menu names stay as the
    # guide gives them, in the software's language.
    instructions: tuple[str, ...]
    check: Callable
    # Names of values (see values.py) shown with a copy button.
    values: tuple[str, ...] = ()
    # This step offers to create the connection key for the setup's software.
    creates_key: bool = False
    # ...and another pair once there is one: the software keeps a pair for each of its own
    # environments (AFAS).
    several_keys: bool = False
    # Only the user knows whether this is true; confirming it records their statement.
    statement: str = ""
    warnings: tuple[str, ...] = ()
    # The platform events (runs.EVENTS, or a kind of them such as "document.") that can be
    # what made this step true: a refresh that another event caused records the step as seen
    # when checked, not as made true by an event that has nothing to do with it.
    events: tuple[str, ...] = ()
    # The user enters the keys in the software here: the step shows the platform's addresses,
    # for software that asks for them.
    shows_addresses: bool = False

    def made_true_by(self, event: str) -> bool:
        """Whether `event` is of a kind that can make this step true."""
        return any(event == own or (own.endswith(".") and event.startswith(own))
                   for own in self.events)


@dataclass(frozen=True)
class Setup:
    slug: str
    name: str
    software: str
    method: str
    direction: str
    minimum_subscription: str
    contract_required: bool
    summary: str
    before_you_start: tuple[str, ...]
    steps: tuple[Step, ...]
    warnings: tuple[str, ...] = field(default=())
    # What the software reads from a customer card (see customers.models.CardRules): its
    # sending profile, e-invoicing method and BuyerReference field, and which Endpoint-ID
    # schemes it fills in (empty: any).
    cards_need_profiles: bool = False
    card_schemes: tuple[str, ...] = ()
    # Its software signs in with Microsoft Entra ID, which the portal must be set up for.
    needs_entra: bool = False
    # The platform's APIs (SOAP, REST) its software calls with the connection keys.
    apis: tuple[str, ...] = ()

    def step(self, key: str) -> Step | None:
        return next((s for s in self.steps if s.key == key), None)
