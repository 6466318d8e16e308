from django.urls import path

from . import views

app_name = "configuration"

urlpatterns = [
    path("", views.SettingsView.as_view(), name="settings"),
    path("channels/", views.ChannelOwnershipView.as_view(), name="channels"),
    path("targets/", views.KpiTargetsView.as_view(), name="targets"),
]
