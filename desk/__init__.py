"""The reception desk: the day and week grids by practitioner, room and device, patient
search and registration, booking on a patient's behalf, the course wizard, check-in,
no-show, moves and cancels with a reason, and the waitlist. Reception sees clearance,
never clinical notes."""
