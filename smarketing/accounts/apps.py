from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "smarketing.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Registers the sign-in failure and success receivers of the throttles.
        from . import throttles  # noqa: F401
