from customers.models.cards import (
    DUMMY_KVK,
    BuyerReferenceSource,
    CardFieldError,
    CardRules,
    CustomerCard,
    EInvoicingMethod,
    Reach,
)
from customers.models.jobs import ImportJob, PeppolCheckRun
from customers.models.monitoring import ReachabilityLoss
from customers.models.profiles import ProcessingMode, SendingProfile

__all__ = [
    "DUMMY_KVK",
    "BuyerReferenceSource",
    "CardFieldError",
    "CardRules",
    "CustomerCard",
    "EInvoicingMethod",
    "ImportJob",
    "PeppolCheckRun",
    "ProcessingMode",
    "Reach",
    "ReachabilityLoss",
    "SendingProfile",
]
