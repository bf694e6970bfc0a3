from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"

    def ready(self) -> None:
        from clinic.access import forget_on_change
        from patients.models import Patient

        forget_on_change(Patient)  # a login's own patient record: clinic.access
