"""API of the funnel app, mounted under /api/v1/ on a workspace's host."""

from django.urls import path

from . import apis, reason_apis

urlpatterns = [
    path("imports/", apis.ImportJobListApi.as_view(), name="api-imports"),
    path("imports/<int:pk>/", apis.ImportJobDetailApi.as_view(), name="api-import-detail"),
    path(
        "imports/<int:pk>/rejected-rows/",
        apis.ImportRejectedRowsApi.as_view(),
        name="api-import-rejected-rows",
    ),
    path("imports/<int:pk>/preview/", apis.ImportPreviewApi.as_view(), name="api-import-preview"),
    path("imports/<int:pk>/map/", apis.ImportMapApi.as_view(), name="api-import-map"),
    path("import-mappings/", apis.ColumnMappingListApi.as_view(), name="api-import-mappings"),
    path(
        "import-mappings/<int:pk>/",
        apis.ColumnMappingDetailApi.as_view(),
        name="api-import-mapping-detail",
    ),
    path(
        "import-mappings/<str:kind>/<str:file_format>/",
        apis.ColumnMappingApi.as_view(),
        name="api-import-mapping",
    ),
    path("exports/<str:kind>/", apis.FunnelExportApi.as_view(), name="api-export"),
    path("reasons/", reason_apis.ReasonListApi.as_view(), name="api-reasons"),
    path(
        "reasons/unknown/", reason_apis.ReasonUnknownValuesApi.as_view(), name="api-reasons-unknown"
    ),
    path("reasons/create/", reason_apis.ReasonCreateApi.as_view(), name="api-reason-create"),
    path("reasons/map/", reason_apis.ReasonMapApi.as_view(), name="api-reason-map"),
    path("reasons/<int:pk>/", reason_apis.ReasonDetailApi.as_view(), name="api-reason"),
    path(
        "reasons/<int:pk>/update/", reason_apis.ReasonUpdateApi.as_view(), name="api-reason-update"
    ),
    path(
        "reasons/<int:pk>/delete/", reason_apis.ReasonDeleteApi.as_view(), name="api-reason-delete"
    ),
]
