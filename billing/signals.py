"""Events inside billing, so that services can act on each other without importing each
other (services/deposits.py listens; import-linter forbids circles between modules)."""

from django.dispatch import Signal

# A payment went through and its ledger row is written (desk or online, inside the
# transaction that recorded it): payment, now.
payment_settled = Signal()
