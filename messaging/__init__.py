"""Patient messages through an outbox (SPEC S5).

- receivers: the booking events of appointments (appointments.events) this app acts on,
  run inside the transaction of the change.
- outbox: what the receivers call (on_booked, on_rescheduled, on_cancelled, on_completed,
  enqueue_waitlist_offer): rows in the caller's transaction.
- timing: reminder times and the quiet-hours rule.
- dispatch: the beat sweep (SELECT ... FOR UPDATE SKIP LOCKED, then publish batches).
- delivery: the worker (claim, send, record the outcome, back off).
- compose, email, sms: what a message says and the channels it goes through.
- links: signed one-time links to confirm or cancel; views/urls: their pages and the
  staff list; api: the messages API (staff list, a patient's preferences).
- tasks: the Celery tasks (the sweep, delivery).
"""
