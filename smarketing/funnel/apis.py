from django.core.exceptions import ValidationError
from django.http import Http404, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from smarketing.accounts.permissions import IsWorkspaceAdmin, IsWorkspaceEditor, IsWorkspaceMember
from smarketing.core.api import StrictInputSerializer, UploadField

from . import selectors, services
from .importers.kinds import KINDS
from .importers.mapping_files import MappingFile
from .importers.mappings import FORMATS
from .importers.pipeline import column_mapping_document, import_max_bytes
from .importers.reading import megabytes
from .models import ColumnMapping, ImportFormat, ImportJob, ImportKind


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
    duration_seconds = serializers.FloatField(allow_null=True)
    problems = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id", "kind", "format", "status", "skip_invalid", "file_name", "file_size",
            "sha256", "created_by", "created_at", "started_at", "finished_at",
            "duration_seconds", "percent", "rows_read", "rows_stored", "rows_unchanged",
            "rows_rejected", "error_count", "warning_count", "encoding", "delimiter",
            "ignored_columns", "affected_start", "affected_end", "mapping", "mapping_origin",
            "status_url", "rejected_rows_url", "problems",
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


def _mapping_or_400(document, *, kind: str = "", field: str = "mapping") -> MappingFile | None:
    """A mapping file from a request (JSON text or object); a 400 naming the problem."""
    if document in (None, ""):
        return None
    try:
        return services.mapping_parse(document, kind=kind)
    except ValidationError as error:
        raise serializers.ValidationError({field: error.messages}) from error


@extend_schema_field(
    {
        "oneOf": [{"type": "object", "additionalProperties": {}}, {"type": "string"}],
        "description": "A mapping file (SPEC 3.1): a JSON object, or its JSON text in a form.",
    }
)
class MappingDocumentField(serializers.Field):
    """A mapping file (SPEC 3.1) as a JSON object, or as JSON text in a multipart form."""

    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return value


def accepted_response(accepted: services.ImportAccepted) -> Response:
    """202 with the queued import, or 200 with the earlier one that already stored the file."""
    body = dict(ImportJobOutputSerializer(accepted.job).data)
    body["already_imported"] = not accepted.created
    return Response(
        body, status=status.HTTP_202_ACCEPTED if accepted.created else status.HTTP_200_OK
    )


class ImportJobListApi(APIView):
    """The import history (GET) and a new import (POST, multipart).

    Optional fields: `mapping` (a mapping file as JSON text, SPEC 3.1), `save_mapping` (use it
    for every later file with the same header) and `draft` (store the file without running it,
    to preview and map it first: `imports/<id>/preview/`, `imports/<id>/map/`).
    """

    permission_classes = [IsWorkspaceMember]
    parser_classes = [MultiPartParser]  # a file: multipart only

    class InputSerializer(StrictInputSerializer):
        file = UploadField(allow_empty_file=True)
        kind = serializers.ChoiceField(choices=ImportKind.choices, required=False, allow_blank=True)
        format = serializers.ChoiceField(
            choices=ImportFormat.choices, required=False, allow_blank=True
        )
        skip_invalid = serializers.BooleanField(required=False, default=False)
        mapping = serializers.CharField(required=False, allow_blank=True, max_length=1024 * 1024)
        save_mapping = serializers.BooleanField(required=False, default=False)
        draft = serializers.BooleanField(required=False, default=False)

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

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={202: ImportJobOutputSerializer, 200: ImportJobOutputSerializer},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        upload = values["file"]
        kind = values.get("kind", "")
        mapping = _mapping_or_400(values.get("mapping"), kind=kind)
        try:
            accepted = services.import_job_create(
                file=upload,
                file_name=upload.name or "upload.csv",
                kind=kind,
                file_format=values.get("format", ""),
                skip_invalid=values["skip_invalid"],
                mapping=mapping,
                save_mapping=values["save_mapping"],
                draft=values["draft"],
                created_by=request.user,
            )
        except ValidationError as error:
            raise serializers.ValidationError({"file": error.messages}) from error
        return accepted_response(accepted)


class ImportJobDetailApi(APIView):
    """An import's status and progress, and its problems (the first 1,000)."""

    permission_classes = [IsWorkspaceMember]

    @extend_schema(responses=ImportJobOutputSerializer)
    def get(self, request, pk: int):
        job = selectors.import_job_get(job_id=pk)
        if job is None:
            raise Http404
        return Response(ImportJobOutputSerializer(job, context={"problem_limit": 1000}).data)


class ImportChoicesSerializer(serializers.Serializer):
    """How to read a stored file: kind, format, mapping (SPEC 3.1)."""

    kind = serializers.ChoiceField(choices=ImportKind.choices)
    format = serializers.ChoiceField(choices=ImportFormat.choices, required=False, allow_blank=True)
    mapping = MappingDocumentField(required=False, allow_null=True)


class EditorWritesApi(APIView):
    """Any member may ask (a wrong method is a 405 for everyone); editors may write."""

    permission_classes = [IsWorkspaceMember]
    write_permission: type = IsWorkspaceEditor

    def get_permissions(self):
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            return [self.write_permission()]
        return super().get_permissions()


class ImportPreviewApi(EditorWritesApi):
    """POST: the first rows of an import's file as they would be stored with these choices,
    and the file's values beside each enum column; nothing is written."""

    class OutputSerializer(serializers.Serializer):
        kind = serializers.CharField()
        format = serializers.CharField()
        header = serializers.ListField(child=serializers.CharField())
        problems = serializers.ListField(child=serializers.CharField())
        rows_read = serializers.IntegerField()
        encoding = serializers.CharField()
        delimiter = serializers.CharField()
        columns = serializers.ListField(child=serializers.DictField())
        rows = serializers.ListField(child=serializers.DictField())
        distinct_values = serializers.DictField(child=serializers.ListField())
        ignored_columns = serializers.ListField(child=serializers.CharField())

    @extend_schema(request=ImportChoicesSerializer, responses=OutputSerializer)
    def post(self, request, pk: int):
        job = selectors.import_job_get(job_id=pk)
        if job is None:
            raise Http404
        data = ImportChoicesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        kind = data.validated_data["kind"]
        mapping = _mapping_or_400(data.validated_data.get("mapping"), kind=kind)
        preview = selectors.import_preview_get(
            job=job, kind=kind, file_format=data.validated_data.get("format", ""), mapping=mapping
        )
        return Response(self.OutputSerializer(preview).data)


class ImportMapApi(EditorWritesApi):
    """POST: import this file as the choices say: a draft is queued; the file of a finished
    import (a rejected one, typically) is imported again as a new import."""

    class InputSerializer(ImportChoicesSerializer):
        save_mapping = serializers.BooleanField(required=False, default=False)
        skip_invalid = serializers.BooleanField(required=False, default=False)

    @extend_schema(request=InputSerializer, responses={202: ImportJobOutputSerializer})
    def post(self, request, pk: int):
        job = selectors.import_job_get(job_id=pk)
        if job is None:
            raise Http404
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        mapping = _mapping_or_400(values.get("mapping"), kind=values["kind"])
        try:
            accepted = services.import_job_map(
                job=job,
                kind=values["kind"],
                file_format=values.get("format", ""),
                mapping=mapping,
                save_mapping=values["save_mapping"],
                skip_invalid=values["skip_invalid"],
                created_by=request.user,
            )
        except ValidationError as error:
            raise serializers.ValidationError({"mapping": error.messages}) from error
        return accepted_response(accepted)


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


class ColumnMappingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    format = serializers.CharField()
    header = serializers.ListField(child=serializers.CharField())
    mapping = serializers.DictField()
    updated_at = serializers.DateTimeField()


def mapping_body(row: ColumnMapping) -> dict:
    return ColumnMappingOutputSerializer(
        {
            "id": row.pk,
            "kind": row.kind,
            "format": row.format,
            "header": row.header,
            "mapping": column_mapping_document(row).as_json(),
            "updated_at": row.updated_at,
        }
    ).data


class ColumnMappingListApi(APIView):
    """The workspace's saved mappings (GET), and a mapping saved for files with a header
    (POST, admins): {"format": "hubspot", "header": [...], "mapping": {"kind": …}}."""

    permission_classes = [IsWorkspaceMember]

    class InputSerializer(serializers.Serializer):
        format = serializers.ChoiceField(choices=ImportFormat.choices)
        header = serializers.ListField(child=serializers.CharField(allow_blank=True))
        mapping = MappingDocumentField()

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsWorkspaceAdmin()]
        return super().get_permissions()

    @extend_schema(responses=ColumnMappingOutputSerializer(many=True))
    def get(self, request):
        return Response([mapping_body(row) for row in selectors.column_mapping_list()])

    @extend_schema(request=InputSerializer, responses={201: ColumnMappingOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mapping = _mapping_or_400(data.validated_data["mapping"])
        assert mapping is not None
        try:
            row = services.column_mapping_save(
                kind=mapping.kind,
                file_format=data.validated_data["format"],
                mapping=mapping,
                header=data.validated_data["header"],
            )
        except ValidationError as error:
            raise serializers.ValidationError({"mapping": error.messages}) from error
        return Response(mapping_body(row), status=status.HTTP_201_CREATED)


class ColumnMappingDetailApi(EditorWritesApi):
    """DELETE a saved mapping (admins)."""

    write_permission = IsWorkspaceAdmin

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        if not services.column_mapping_delete(mapping_id=pk):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)


class ColumnMappingApi(APIView):
    """The workspace's mapping for every file of a kind and format: {canonical column: header}
    and optionally values, constants, date_order, decimal and empty (SPEC 3.1)."""

    permission_classes = [IsWorkspaceMember]

    class InputSerializer(StrictInputSerializer):
        columns = serializers.DictField(child=serializers.CharField(allow_blank=True))
        values = serializers.DictField(required=False)
        constants = serializers.DictField(required=False)
        date_order = serializers.CharField(required=False, allow_blank=True)
        decimal = serializers.CharField(required=False, allow_blank=True)
        empty = serializers.ListField(child=serializers.CharField(), required=False)

    class OutputSerializer(serializers.Serializer):
        kind = serializers.CharField()
        format = serializers.CharField()
        columns = serializers.DictField(child=serializers.CharField())
        mapping = serializers.DictField()

    def get_permissions(self):
        if self.request.method == "PUT":
            return [IsWorkspaceAdmin()]
        return super().get_permissions()

    def _check(self, kind: str, file_format: str) -> None:
        if kind not in KINDS or file_format not in FORMATS:
            raise Http404

    def _body(self, kind: str, file_format: str, row: ColumnMapping | None) -> dict:
        document = column_mapping_document(row).as_json() if row else {"kind": kind}
        return {
            "kind": kind,
            "format": file_format,
            "columns": row.columns if row else {},
            "mapping": document,
        }

    @extend_schema(responses=OutputSerializer)
    def get(self, request, kind: str, file_format: str):
        self._check(kind, file_format)
        row = ColumnMapping.objects.filter(
            kind=kind, format=file_format, header_signature=""
        ).first()
        return Response(self._body(kind, file_format, row))

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def put(self, request, kind: str, file_format: str):
        self._check(kind, file_format)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = {
            key: value for key, value in data.validated_data.items() if value not in ("", None)
        }
        document["columns"] = {
            name: header.strip() for name, header in document["columns"].items() if header.strip()
        }
        mapping = _mapping_or_400({"kind": kind, **document}, kind=kind, field="columns")
        try:
            row = services.column_mapping_save(kind=kind, file_format=file_format, mapping=mapping)
        except ValidationError as error:
            raise serializers.ValidationError({"columns": error.messages}) from error
        return Response(self._body(kind, file_format, row))
