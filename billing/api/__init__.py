"""Billing API: invoices, payments, refunds, packages, checkout, the provider webhook."""
