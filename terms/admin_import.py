"""The admin's import page: upload entry files, preview what each term would change, then
import exactly what was previewed without uploading again.

A preview keeps the uploaded text in the editor's session (up to MAX_KEPT_BYTES), under a
random token the page's "Import" button sends back. The import is refused when the token
is not the session's latest, when the preview is older than KEPT_SECONDS, or when the
glossary changed since (the content generation moved): then the kept text is previewed
again against the glossary as it is now, and nothing is written.
"""

import base64
import json
import secrets
import time
import zlib

from django import forms
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from terms import roles
from terms.importers import (
    MAX_UPLOAD_BYTES,
    ImportFailed,
    import_entries,
    parse_sources,
    upload_sources,
)
from terms.models import ContentGeneration, Status

# Multipart framing around the files: boundaries, headers and the form's other fields.
MAX_UPLOAD_REQUEST_BYTES = MAX_UPLOAD_BYTES + 2**20
# A preview's entries kept for importing them without a second upload: a few hundred terms.
MAX_KEPT_BYTES = 2 * 2**20
KEPT_SECONDS = 30 * 60
SESSION_KEY = "terms_import_preview"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


class ImportForm(forms.Form):
    files = MultipleFileField(
        label="Entry files", help_text="One or more .txt entries, or .zip archives of them."
    )
    dry_run = forms.BooleanField(
        label="Preview only", required=False, initial=True, help_text="Report; write nothing."
    )
    rename = forms.BooleanField(
        label="Rename existing terms",
        required=False,
        help_text="Let an entry rename the stored term it matches (Café for Cafe, or a change "
        "of letter case). Without it such an import is refused; the preview lists them.",
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "New terms published, existing ones unchanged"), *Status.choices],
        help_text="What the imported terms become. Publishing needs the Publisher role; an "
        "Editor's new terms are drafts.",
    )


def _content_length(request):
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _pack(sources):
    rows = [[name, base64.b64encode(data).decode("ascii")] for name, data in sources]
    return base64.b64encode(zlib.compress(json.dumps(rows).encode())).decode("ascii")


def _unpack(packed):
    rows = json.loads(zlib.decompress(base64.b64decode(packed)))
    return [(name, base64.b64decode(data)) for name, data in rows]


def keep_preview(request, sources, options):
    """Keep a previewed upload in the session; its token, or None when it is too big."""
    request.session.pop(SESSION_KEY, None)
    if sum(len(data) for _, data in sources) > MAX_KEPT_BYTES:
        return None
    token = secrets.token_urlsafe(16)
    request.session[SESSION_KEY] = {
        "token": token,
        "sources": _pack(sources),
        "generation": ContentGeneration.objects.current(),
        "at": time.time(),
        "options": options,
    }
    return token


class ImportAdminMixin:
    """Mixed into TermAdmin: admin/terms/term/import/."""

    def get_urls(self):
        view = self.admin_site.admin_view(csrf_exempt(self.import_view))
        return [path("import/", view, name="terms_term_import"), *super().get_urls()]

    def import_view(self, request):
        """Upload entry files: preview what would change, or import them all or nothing.

        CSRF is checked only once the upload's size is known to be under the cap: checking it
        first would read the whole body.
        """
        if not (
            request.user.has_perm("terms.add_term") and request.user.has_perm("terms.change_term")
        ):
            raise PermissionDenied
        if request.method == "POST" and _content_length(request) > MAX_UPLOAD_REQUEST_BYTES:
            errors = [f"the upload is over {MAX_UPLOAD_BYTES // 2**20} MiB; nothing was read"]
            response = self._import_page(request, ImportForm(), errors=errors)
            response.status_code = 413
            return response
        if request.method == "POST" and "previewed" in request.POST:
            return csrf_protect(self._import_previewed)(request)
        return csrf_protect(self._import)(request)

    def _import(self, request):
        form = ImportForm(request.POST or None, request.FILES or None)
        if not (request.method == "POST" and form.is_valid()):
            return self._import_page(request, form)
        options = {
            "dry_run": form.cleaned_data["dry_run"],
            "rename": form.cleaned_data["rename"],
            "status": form.cleaned_data["status"] or None,
        }
        try:
            sources = upload_sources(form.cleaned_data["files"])
        except ImportFailed as exc:
            return self._import_page(request, form, errors=exc.errors)
        return self._run(request, form, sources, options)

    def _run(self, request, form, sources, options, notice=None):
        """Import (or preview) `sources`; a preview is kept for importing it as it is."""
        try:
            report = import_entries(
                parse_sources(sources),
                dry_run=options["dry_run"],
                rename=options["rename"],
                status=options["status"],
                may_publish=roles.can_publish(request.user),
                by=request.user,
            )
        except ImportFailed as exc:
            return self._import_page(request, form, errors=exc.errors, notice=notice)
        token = None
        if options["dry_run"]:
            token = keep_preview(request, sources, {**options, "dry_run": False})
        return self._import_page(
            request,
            form,
            report=report,
            dry_run=options["dry_run"],
            token=token,
            notice=notice,
        )

    def _import_previewed(self, request):
        """Import the upload the session kept at its preview, if nothing changed since."""
        kept = request.session.get(SESSION_KEY)
        form = ImportForm()
        if kept is None or not secrets.compare_digest(
            kept["token"], request.POST.get("previewed", "")
        ):
            errors = [
                "this preview is no longer kept (it was imported, or a newer preview replaced "
                "it); nothing was imported: upload the files again"
            ]
            return self._import_page(request, form, errors=errors)
        if time.time() - kept["at"] > KEPT_SECONDS:
            request.session.pop(SESSION_KEY)
            errors = [
                f"this preview expired (previews are kept {KEPT_SECONDS // 60} minutes); "
                "nothing was imported: upload the files again"
            ]
            return self._import_page(request, form, errors=errors)
        sources, options = _unpack(kept["sources"]), kept["options"]
        if ContentGeneration.objects.current() != kept["generation"]:
            notice = (
                "The glossary changed since your preview, so nothing was imported. Here is "
                "the preview again, against the glossary as it is now: import it if it is "
                "still what you want."
            )
            return self._run(request, form, sources, {**options, "dry_run": True}, notice)
        request.session.pop(SESSION_KEY)
        return self._run(request, form, sources, options)

    def _import_page(self, request, form, **context):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import entries",
            "form": form,
            "kept_minutes": KEPT_SECONDS // 60,
            "kept_mib": MAX_KEPT_BYTES // 2**20,
            **dict.fromkeys(["report", "errors", "dry_run", "token", "notice"]),
            **context,
        }
        return TemplateResponse(request, "admin/terms/term/import.html", context)
