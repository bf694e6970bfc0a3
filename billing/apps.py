from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from appointments.services.prepayment import register_prepayment_taker
        from billing import receipts, receivers
        from billing.services.deposits import DepositTaker
        from messaging.compose import register_attachments
        from messaging.models import MessageKind

        receivers.connect()
        register_prepayment_taker(DepositTaker())
        register_attachments(MessageKind.RECEIPT, receipts.receipt_attachments)
