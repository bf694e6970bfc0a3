from django.urls import path

from billing.api import views

urlpatterns = [
    path("invoices/", views.InvoiceListCreate.as_view(), name="invoice-list"),
    path("invoices/<int:invoice_id>/", views.InvoiceDetail.as_view(), name="invoice-detail"),
    path(
        "invoices/<int:invoice_id>/receipt/",
        views.InvoiceReceipt.as_view(),
        name="invoice-receipt",
    ),
    path(
        "invoices/<int:invoice_id>/credit-notes/",
        views.CreditNoteCreate.as_view(),
        name="invoice-credit-notes",
    ),
    path(
        "invoices/<int:invoice_id>/payments/",
        views.PaymentCreate.as_view(),
        name="invoice-payments",
    ),
    path(
        "payments/<int:payment_id>/refunds/", views.RefundCreate.as_view(), name="payment-refunds"
    ),
    path("packages/", views.PackageListCreate.as_view(), name="package-list"),
    path("packages/<int:package_id>/redeem/", views.PackageRedeem.as_view(), name="package-redeem"),
    path("packages/<int:package_id>/refund/", views.PackageRefund.as_view(), name="package-refund"),
    path("patients/<int:patient_id>/balance/", views.Balance.as_view(), name="patient-balance"),
    path("checkout/", views.Checkout.as_view(), name="checkout"),
    path(
        "billing/webhooks/<str:provider_name>/",
        views.ProviderWebhook.as_view(),
        name="billing-webhook",
    ),
]
