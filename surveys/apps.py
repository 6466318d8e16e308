from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"

    def ready(self) -> None:
        from smarketing.core.queues import EMAIL, task_kind_register

        task_kind_register("surveys.invitations_send", EMAIL)
        task_kind_register("surveys.reminders_send", EMAIL)
