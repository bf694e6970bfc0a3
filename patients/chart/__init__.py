"""The dermatologist's consultation pages: record, edit a draft, sign, amend, read.

The chart page itself, which also shows sessions and courses, lives with the schedule
(appointments.views.chart), since appointments depend on patients and not the reverse.
"""
