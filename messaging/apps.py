from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Patient messages"

    def ready(self) -> None:
        from messaging import receivers

        receivers.connect()
