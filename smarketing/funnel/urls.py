"""Pages of the funnel app on a workspace's host (under /data/)."""

from django.urls import path

from . import views

app_name = "funnel"

urlpatterns = [
    path("", views.ImportListView.as_view(), name="imports"),
    path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="import_detail"),
    path(
        "imports/<int:pk>/rejected-rows.csv",
        views.ImportRejectedRowsView.as_view(),
        name="import_rejected_rows",
    ),
    path("export/<str:kind>.csv", views.ExportView.as_view(), name="export"),
    path(
        "mappings/<str:kind>/<str:file_format>/", views.ColumnMappingView.as_view(), name="mapping"
    ),
]
