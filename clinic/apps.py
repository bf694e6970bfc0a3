from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"

    def ready(self) -> None:
        # security: signal receivers; schema: the OpenAPI extensions of our authenticators
        from clinic import access, permissions, schema, security, tokens  # noqa: F401

        access.connect_receivers()
        tokens.connect_receivers()
        post_migrate.connect(permissions.sync_group_permissions)
