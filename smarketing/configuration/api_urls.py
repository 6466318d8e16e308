from django.urls import path

from . import apis

urlpatterns = [path("settings/", apis.WorkspaceSettingsApi.as_view(), name="api-settings")]
