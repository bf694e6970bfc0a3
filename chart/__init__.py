"""The dermatologist's chart: the day's patients, each patient's chart (history,
consultations, session records, the outcome across a course), the consultation pages,
and session records (service, API, forms, pages).

The session record models stay in appointments (appointments.models.course): the audit
trail names every record by its model label ("appointments.sessionrecord") in rows that
are hash-chained and append-only, so moving the model would split one record's trail
across two names.
"""
