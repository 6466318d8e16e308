from django.core.exceptions import ValidationError
from django.http import Http404, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from smarketing.accounts.permissions import IsWorkspaceAdmin, IsWorkspaceEditor, IsWorkspaceMember

from . import selectors, services
from .importers.kinds import KINDS
from .importers.mappings import FORMATS
from .importers.pipeline import import_max_bytes
from .importers.reading import megabytes
from .models import ColumnMapping, ImportJob


def upload_too_large(request) -> bool:
    """Checked on the declared length, before the body is read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > import_max_bytes() + 1024 * 1024


class ImportJobOutputSerializer(serializers.ModelSerializer):
    status_url = serializers.SerializerMethodField()
    rejected_rows_url = serializers.SerializerMethodField()
    created_by = serializers.EmailField(source="created_by.email", default=None)
    duration_seconds = serializers.FloatField()
    problems = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id", "kind", "format", "status", "skip_invalid", "file_name", "file_size",
            "sha256", "created_by", "created_at", "started_at", "finished_at",
            "duration_seconds", "percent", "rows_read", "rows_stored", "rows_unchanged",
            "rows_rejected", "error_count", "warning_count", "encoding", "delimiter",
            "ignored_columns", "affected_start", "affected_end", "status_url",
            "rejected_rows_url", "problems",
        ]  # fmt: skip

    def get_status_url(self, job: ImportJob) -> str:
        return reverse("api-import-detail", args=[job.pk])

    def get_rejected_rows_url(self, job: ImportJob) -> str | None:
        return reverse("api-import-rejected-rows", args=[job.pk]) if job.rows_rejected else None

    def get_problems(self, job: ImportJob) -> list[str]:
        limit = self.context.get("problem_limit", 0)
        if not limit:
            return []
        return [
            ("" if problem.severity == "error" else "warning: ") + problem.text
            for problem in selectors.import_problem_iter(job=job, limit=limit)
        ]


class ImportJobListApi(APIView):
    """The import history (GET) and a new import (POST, multipart)."""

    permission_classes = [IsWorkspaceMember]
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(allow_empty_file=True)
        kind = serializers.ChoiceField(choices=list(KINDS), required=False, allow_blank=True)
        format = serializers.ChoiceField(choices=FORMATS, required=False, allow_blank=True)
        skip_invalid = serializers.BooleanField(required=False, default=False)

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsWorkspaceEditor()]
        return super().get_permissions()

    def initial(self, request, *args, **kwargs):
        if request.method == "POST" and upload_too_large(request):
            raise serializers.ValidationError(
                {"file": [f"The file is larger than the limit of {megabytes(import_max_bytes())}."]}
            )
        super().initial(request, *args, **kwargs)

    @extend_schema(responses=ImportJobOutputSerializer(many=True))
    def get(self, request):
        jobs = selectors.import_job_list()[:200]
        return Response(ImportJobOutputSerializer(jobs, many=True).data)

    @extend_schema(request=InputSerializer, responses={202: ImportJobOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        accepted = services.import_job_create(
            file=upload,
            file_name=upload.name or "upload.csv",
            kind=data.validated_data.get("kind", ""),
            file_format=data.validated_data.get("format", ""),
            skip_invalid=data.validated_data["skip_invalid"],
            created_by=request.user,
        )
        body = dict(ImportJobOutputSerializer(accepted.job).data)
        body["already_imported"] = not accepted.created
        return Response(
            body, status=status.HTTP_202_ACCEPTED if accepted.created else status.HTTP_200_OK
        )


class ImportJobDetailApi(APIView):
    """An import's status and progress, and its problems (the first 1,000)."""

    permission_classes = [IsWorkspaceMember]

    @extend_schema(responses=ImportJobOutputSerializer)
    def get(self, request, pk: int):
        job = selectors.import_job_get(job_id=pk)
        if job is None:
            raise Http404
        return Response(ImportJobOutputSerializer(job, context={"problem_limit": 1000}).data)


def csv_response(lines, file_name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


class ImportRejectedRowsApi(APIView):
    permission_classes = [IsWorkspaceMember]

    @extend_schema(responses={(200, "text/csv"): bytes})
    def get(self, request, pk: int):
        job = selectors.import_job_get(job_id=pk)
        if job is None:
            raise Http404
        return csv_response(
            selectors.import_rejected_rows_csv(job=job), f"import-{job.pk}-rejected-rows.csv"
        )


class FunnelExportApi(APIView):
    permission_classes = [IsWorkspaceMember]

    @extend_schema(responses={(200, "text/csv"): bytes})
    def get(self, request, kind: str):
        if kind not in KINDS:
            raise Http404
        return csv_response(selectors.funnel_rows_csv(kind=kind), f"{kind}.csv")


class ColumnMappingApi(APIView):
    """The workspace's own header names for a kind and format: {canonical column: header}."""

    permission_classes = [IsWorkspaceMember]

    class InputSerializer(serializers.Serializer):
        columns = serializers.DictField(child=serializers.CharField(allow_blank=True))

    class OutputSerializer(serializers.Serializer):
        kind = serializers.CharField()
        format = serializers.CharField()
        columns = serializers.DictField(child=serializers.CharField())

    def get_permissions(self):
        if self.request.method == "PUT":
            return [IsWorkspaceAdmin()]
        return super().get_permissions()

    def _check(self, kind: str, file_format: str) -> None:
        if kind not in KINDS or file_format not in FORMATS:
            raise Http404

    @extend_schema(responses=OutputSerializer)
    def get(self, request, kind: str, file_format: str):
        self._check(kind, file_format)
        mapping = ColumnMapping.objects.filter(kind=kind, format=file_format).first()
        columns = mapping.columns if mapping else {}
        return Response({"kind": kind, "format": file_format, "columns": columns})

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def put(self, request, kind: str, file_format: str):
        self._check(kind, file_format)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            mapping = services.column_mapping_save(
                kind=kind, file_format=file_format, columns=data.validated_data["columns"]
            )
        except ValidationError as error:
            raise serializers.ValidationError({"columns": error.messages}) from error
        return Response({"kind": kind, "format": file_format, "columns": mapping.columns})
