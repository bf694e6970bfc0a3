"""Every write of money: invoices, payments and refunds, packages, checkout.

Lock order, in every service: the patient row, the appointment, invoices and payments,
packages, and the year's invoice counter last. A patient's money changes one writer at a
time (their row is the lock), so the tail of their ledger cannot move under a writer.
"""
