from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from smarketing.accounts.models import Role
from smarketing.accounts.permissions import RoleRequiredMixin

from . import selectors, services
from .apis import csv_response, upload_too_large
from .forms import ColumnMappingForm, ImportForm
from .importers.kinds import KINDS
from .importers.mappings import FORMATS
from .importers.pipeline import import_max_bytes
from .importers.reading import megabytes
from .models import ColumnMapping
from .panels import data_page_panels


@method_decorator(csrf_exempt, name="dispatch")
class ImportListView(RoleRequiredMixin, View):
    """Upload a file (members and admins) and the import history (everyone).

    CSRF is checked in `_upload`, after the size limit: CsrfViewMiddleware reads the whole
    multipart body to find its token, so it would store an oversized upload in a temporary file
    before the limit could refuse it.
    """

    minimum_role = Role.VIEWER

    def get(self, request, form: ImportForm | None = None, status: int = 200, error: str = ""):
        return render(
            request,
            "funnel/imports.html",
            {
                "form": form or ImportForm(),
                "upload_error": error,
                "jobs": selectors.import_job_list()[:100],
                "can_upload": request.user.has_role(Role.MEMBER),
                "kinds": list(KINDS),
                "max_bytes": import_max_bytes(),
                "max_size": megabytes(import_max_bytes()),
                "panels": data_page_panels(request),
            },
            status=status,
        )

    def post(self, request):
        if not request.user.has_role(Role.MEMBER):
            raise PermissionDenied  # 403 like every page a role does not allow
        if upload_too_large(request):
            # Refused on the declared length: nothing of the body has been read or stored.
            error = f"The file is larger than the limit of {megabytes(import_max_bytes())}."
            return self.get(request, status=413, error=error)
        return self._upload(request)

    @method_decorator(csrf_protect)
    def _upload(self, request):
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                accepted = services.import_job_create(
                    file=upload,
                    file_name=upload.name or "upload.csv",
                    kind=form.cleaned_data["kind"],
                    file_format=form.cleaned_data["format"],
                    skip_invalid=form.cleaned_data["skip_invalid"],
                    created_by=request.user,
                )
            except ValidationError as error:
                form.add_error("file", error)
            else:
                if not accepted.created:
                    messages.info(request, "This file was already imported: nothing to do.")
                return redirect("funnel:import_detail", pk=accepted.job.pk)
        return self.get(request, form=form, status=400)


class ImportDetailView(RoleRequiredMixin, View):
    minimum_role = Role.VIEWER

    def get(self, request, pk: int):
        job = selectors.import_job_get(job_id=pk)
        if job is None:
            raise Http404
        return render(
            request,
            "funnel/import_detail.html",
            {"job": job, "problems": list(selectors.import_problem_iter(job=job, limit=500))},
        )


class ImportRejectedRowsView(RoleRequiredMixin, View):
    minimum_role = Role.VIEWER

    def get(self, request, pk: int):
        job = selectors.import_job_get(job_id=pk)
        if job is None:
            raise Http404
        return csv_response(
            selectors.import_rejected_rows_csv(job=job), f"import-{pk}-rejected-rows.csv"
        )


class ExportView(RoleRequiredMixin, View):
    minimum_role = Role.VIEWER

    def get(self, request, kind: str):
        if kind not in KINDS:
            raise Http404
        return csv_response(selectors.funnel_rows_csv(kind=kind), f"{kind}.csv")


class ColumnMappingView(RoleRequiredMixin, View):
    """The workspace's own header names for one kind and format (admins)."""

    minimum_role = Role.ADMIN

    def _context(self, kind: str, file_format: str, form=None) -> dict:
        if kind not in KINDS or file_format not in FORMATS:
            raise Http404
        saved = ColumnMapping.objects.filter(kind=kind, format=file_format).first()
        form = form or ColumnMappingForm(kind=kind, initial_columns=saved.columns if saved else {})
        return {"kind": kind, "format": file_format, "form": form, "formats": FORMATS}

    def get(self, request, kind: str, file_format: str):
        return render(request, "funnel/mapping.html", self._context(kind, file_format))

    def post(self, request, kind: str, file_format: str):
        context = self._context(kind, file_format)
        form = ColumnMappingForm(request.POST, kind=kind, initial_columns={})
        if form.is_valid():
            services.column_mapping_save(
                kind=kind, file_format=file_format, columns=form.cleaned_data
            )
            messages.success(request, f"Column names saved for {kind} ({file_format}).")
            return redirect("funnel:mapping", kind=kind, file_format=file_format)
        context["form"] = form
        return render(request, "funnel/mapping.html", context, status=400)
