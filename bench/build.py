"""Build the benchmark clinic (PERFORMANCE.md) in the bench database, reproducibly.

10 practitioners (Mon-Sat 09:00-18:00), 5 rooms, 4 microcurrent devices, the seeded
catalog, 2,000 patients, `--past` past appointments (about 64 a working day, going back as
far as that needs) and the next 30 days about 85 % full. Rows go in with bulk inserts laid
out so that no two overlap: the database's exclusion constraints check every one.

Run by bench/run.py with production settings: python -m bench.build --past 20000
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import date, datetime, time, timedelta
from pathlib import Path

import django

django.setup()

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import CharField, Value  # noqa: E402
from django.db.models.functions import Cast, Concat  # noqa: E402
from django.utils import timezone  # noqa: E402

from appointments.calendar import zone  # noqa: E402
from appointments.models import (  # noqa: E402
    Appointment,
    ClinicPolicy,
    Device,
    Practitioner,
    Room,
    WorkingHours,
)
from billing.models import Invoice, InvoiceLine, LedgerEntry, Payment  # noqa: E402
from clinic.models import AuditEvent  # noqa: E402
from clinic.tokens import api_token_issue  # noqa: E402
from messaging.models import Message  # noqa: E402
from patients.models import Patient  # noqa: E402
from treatments.models import Treatment  # noqa: E402

SEED = 20261121
ROOMS, DEVICES, PRACTITIONERS, PATIENTS = 5, 4, 10, 2000
PER_DAY = 64
DAY_START, HALF, DAY_END = time(9), time(13, 30), time(18)
BUFFER = timedelta(minutes=10)


def reset() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE appointments_appointment, appointments_idempotencykey, "
            "appointments_workinghours, appointments_workingexception, "
            "appointments_practitioner_treatments, appointments_practitioner, appointments_room, "
            "appointments_deviceoutage, appointments_device, patients_patient, "
            "patients_historicalpatient, knox_authtoken CASCADE"
        )
    users = get_user_model().objects.filter(username__startswith="bench-")
    # The audit trail is append-only and keeps its actors (row P's money actions name the
    # bench's reception user): those users are retired, renamed and locked, not deleted.
    audited = users.filter(pk__in=AuditEvent.objects.values("actor_id"))
    audited.update(
        username=Concat(Value("retired-"), Cast("pk", CharField()), Value("-"), "username"),
        is_active=False,
    )
    users.delete()


def resources() -> tuple[list[Practitioner], list[Room], list[Device]]:
    group = Group.objects.get(name="dermatologist")
    treatments = list(Treatment.objects.all())
    people = []
    for i in range(PRACTITIONERS):
        user = get_user_model().objects.create(username=f"bench-doc{i}", first_name=f"Doc {i}")
        user.groups.add(group)
        p = Practitioner.objects.create(user=user, display_name=f"Dr Bench {i:02d}")
        p.treatments.set(treatments)
        people.append(p)
    WorkingHours.objects.bulk_create(
        WorkingHours(practitioner=p, weekday=d, start=DAY_START, end=DAY_END)
        for p in people
        for d in range(6)
    )
    rooms = [Room.objects.create(name=f"Bench room {i}") for i in range(ROOMS)]
    devices = [Device.objects.create(name=f"Bench MC-{i}") for i in range(DEVICES)]
    ClinicPolicy.objects.update_or_create(id=1, defaults={"booking_horizon_days": 365})
    return people, rooms, devices


def patients() -> list[int]:
    Patient.objects.bulk_create(
        Patient(
            first_name=f"Bench{i}",
            last_name=f"Patient{i:04d}",
            date_of_birth=date(1970, 1, 1) + timedelta(days=i * 7),
            email=f"bench{i}@example.com",
            phone=f"+38050{i:07d}",
        )
        for i in range(PATIENTS)
    )
    return list(Patient.objects.order_by("id").values_list("id", flat=True))


def working_days(first: date, count: int, step: int) -> list[date]:
    days, day = [], first
    while len(days) < count:
        if day.weekday() < 6:
            days.append(day)
        day += timedelta(days=step)
    return days


class Layout:
    """Lays out non-overlapping appointments: each room has one practitioner in the
    morning and another in the afternoon; rooms 0-3 own devices 0-3; room 4 does
    consultations only. Patients rotate, so no patient is in two places at once."""

    def __init__(self, people, rooms, devices, patient_ids, rng: random.Random) -> None:
        self.people, self.rooms, self.devices = people, rooms, devices
        self.patient_ids, self.rng, self.counter = patient_ids, rng, 0
        treatments = {t.slug: t for t in Treatment.objects.all()}
        self.consultation = treatments["initial-consultation"]
        self.device_treatments = [t for t in treatments.values() if t.requires_device]

    def day(self, day: date, status_for) -> list[Appointment]:
        out = []
        for r, room in enumerate(self.rooms):
            for half, (start, end) in enumerate(((DAY_START, HALF), (HALF, DAY_END))):
                who = self.people[(2 * r + half + day.toordinal()) % PRACTITIONERS]
                out += self._fill(day, room, r, who, start, end, status_for)
        return out

    def _fill(self, day, room, r, who, start, end, status_for) -> list[Appointment]:
        out, t = [], datetime.combine(day, start, tzinfo=zone())
        stop = datetime.combine(day, end, tzinfo=zone())
        while True:
            device_ok = r < len(self.devices)
            treatment = (
                self.rng.choice(self.device_treatments)
                if device_ok and self.rng.random() < 0.7
                else self.consultation
            )
            length = timedelta(minutes=treatment.session_minutes)
            blocked = t + length + (BUFFER if treatment.requires_device else timedelta())
            if blocked > stop:
                return out
            self.counter += 1
            out.append(
                Appointment(
                    patient_id=self.patient_ids[self.counter % len(self.patient_ids)],
                    treatment=treatment,
                    practitioner=who,
                    room=room,
                    device=self.devices[r] if treatment.requires_device else None,
                    start=t,
                    end=t + length,
                    blocked_until=blocked,
                    status=status_for(),
                    booked_via="desk",
                )
            )
            t = blocked + timedelta(minutes=-(blocked.minute % 15) % 15)  # next grid point


def build(past: int) -> dict:
    rng = random.Random(SEED)
    reset()
    people, rooms, devices = resources()
    layout = Layout(people, rooms, devices, patients(), rng)
    today = timezone.localdate()
    done = lambda: rng.choices(["completed", "no_show", "cancelled"], [90, 4, 6])[0]  # noqa: E731
    batch: list[Appointment] = []
    made, day = 0, today - timedelta(days=1)
    while made < past:  # back in time, day by day, as far as the history needs
        if day.weekday() < 6:
            rows = layout.day(day, done)[: past - made]
            batch += rows
            made += len(rows)
        day -= timedelta(days=1)
        if len(batch) >= 5000:
            Appointment.objects.bulk_create(batch)
            batch = []
    future = [
        a
        for day in working_days(today + timedelta(days=1), 26, 1)
        for a in layout.day(day, lambda: "booked")
    ]
    future = [a for a in future if rng.random() < 0.85]
    Appointment.objects.bulk_create(batch + future)
    reception = get_user_model().objects.create(username="bench-reception")
    reception.groups.add(Group.objects.get(name="reception"))
    # Staff need an authenticator app for every request (clinic.security); the token is
    # issued as POST /api/auth/token/ issues it after the code.
    TOTP.activate(reception, generate_totp_secret())
    token, _ = api_token_issue(user=reception)
    return {
        "past": made,
        "future": len(future),
        "token": token,
        "practitioners": [p.id for p in people],
        "patients": layout.patient_ids,
        "consultation": layout.consultation.id,
        "face": Treatment.objects.get(slug="microcurrent-therapy-face").id,
    }


def free_consultation_slots(info: dict, count: int, first_day: int = 31) -> list[dict]:
    """Mutually compatible consultation bookings on empty days: at most five at a time
    (five rooms), each with its own practitioner and patient."""
    out, patients = [], info["patients"]
    for day in working_days(timezone.localdate() + timedelta(days=first_day), 400, 1):
        for minutes in range(0, 9 * 60, 30):
            start = datetime.combine(day, DAY_START, tzinfo=zone()) + timedelta(minutes=minutes)
            for k in range(ROOMS):
                n = len(out)
                out.append(
                    {
                        "treatment": info["consultation"],
                        "start": start.isoformat(),
                        "practitioner": info["practitioners"][k],
                        "patient": patients[n % len(patients)],
                    }
                )
                if len(out) >= count:
                    return out
    return out


def analyse_checkout_tables() -> None:
    """Vacuum and analyse the tables a checkout writes, which the build leaves empty (and
    analysed as empty): run by row P after its warm-up has filled them.

    Why: PostgreSQL plans the checkout's prepared statements and the foreign-key checks of
    its inserts for the tables' sizes as last analysed, and keeps those plans. Analysed as
    empty, an invoice was found by a sequential scan of all of them, longer with every
    checkout: in a scratch run of row P (stop 33; 2 s of warm-up, 10 s measured) the
    backends read 11.5 million invoice rows and 9.4 million ledger rows that way, and spent
    3.1 ms of CPU a checkout. With the tables analysed after the warm-up the lookups use
    the indexes: 1.65 ms. A clinic in use does not have tables that big last analysed as
    empty (autovacuum analyses a table each time about a tenth of it has changed); a 10 s
    row is over before autovacuum looks.
    """
    tables = [m._meta.db_table for m in (Invoice, InvoiceLine, Payment, LedgerEntry, Message)]
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) " + ", ".join(tables))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--past", type=int, default=20_000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    with transaction.atomic():
        info = build(args.past)
    with connection.cursor() as cursor:
        # Vacuumed and analysed as built (outside a transaction, as VACUUM must be): left
        # to autovacuum, the rebuilt tables were vacuumed while rows A1 and A14 ran, and
        # took CPU from them (A14 measured 0.14 to 0.23 x B on the same code).
        cursor.execute("VACUUM (ANALYZE)")
    info["bookings"] = free_consultation_slots(info, 20_000)  # about 260 days of free rooms
    # Row P: sessions that took place, each checked out once (invoice, payment, receipt).
    done = Appointment.objects.filter(status="completed").order_by("-start")
    info["checkouts"] = [
        {"appointment": pk, "method": "cash"} for pk in done.values_list("id", flat=True)[:20_000]
    ]
    args.out.write_text(json.dumps(info))
    print(f"bench clinic: {info['past']} past, {info['future']} future appointments")


if __name__ == "__main__":
    main()
