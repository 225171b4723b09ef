"""The term admin's history (versions, a side-by-side diff, revert) and trash (deleting
moves a term there; restore, or delete for good), kept apart from terms.admin's forms.

Restoring and deleting for good need the delete permission, like moving to the trash.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from terms import history, versions, writing
from terms.models import Source, Term


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class HistoryAdminMixin:
    """Mixed into TermAdmin, before admin.ModelAdmin."""

    delete_confirmation_template = "admin/terms/term/trash_confirmation.html"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("trash/", wrap(self.trash_view), name="terms_term_trash"),
            path(
                "<path:object_id>/history/compare/",
                wrap(self.history_compare_view),
                name="terms_term_history_compare",
            ),
            path(
                "<path:object_id>/history/<int:version_id>/revert/",
                wrap(self.revert_view),
                name="terms_term_revert",
            ),
            *super().get_urls(),
        ]

    def _context(self, request, title, **context):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            **context,
        }

    def _term(self, request, object_id):
        term = self.get_object(request, unquote(object_id))
        if term is None:
            raise Http404("No term with this id (or it is in the trash).")
        if not self.has_view_or_change_permission(request, term):
            raise PermissionDenied
        return term

    # ------------------------------------------------------------------ history

    def history_view(self, request, object_id, extra_context=None):
        """Every recorded version of the term: who, when, from where, what changed."""
        term = self._term(request, object_id)
        page, found = history.history_page(term.pk, request.GET.get("page"))
        rows = [{"version": v, "changed": changed} for v, changed in found]
        context = self._context(
            request,
            f"History of “{term}”",
            term=term,
            rows=rows,
            page=page,
            can_revert=self.has_change_permission(request, term),
            **(extra_context or {}),
        )
        return TemplateResponse(request, "admin/terms/term/history.html", context)

    def history_compare_view(self, request, object_id):
        """Two versions side by side: texts by word, lists by item."""
        term = self._term(request, object_id)
        old = history.version_of(term.pk, _int(request.GET.get("old")))
        new = history.version_of(term.pk, _int(request.GET.get("new")))
        if old is None or new is None:
            raise Http404("Choose two versions of this term to compare.")
        if old.when > new.when:
            old, new = new, old
        context = self._context(
            request,
            f"“{term}”: version {old.number} and version {new.number}",
            term=term,
            old=old,
            new=new,
            changes=history.compare(old, new),
            can_revert=self.has_change_permission(request, term),
        )
        return TemplateResponse(request, "admin/terms/term/history_compare.html", context)

    def revert_view(self, request, object_id, version_id):
        """Write the term back as a version had it; refused if it changed since the page
        that asked was opened."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        term = self._term(request, object_id)
        if not self.has_change_permission(request, term):
            raise PermissionDenied
        version = history.version_of(term.pk, version_id)
        if version is None:
            raise Http404("This version is not one of this term's.")
        opened = _int(request.POST.get("opened_version"))
        back = reverse("admin:terms_term_history", args=[term.pk])
        try:
            with writing.batch(by=request.user, source=Source.ADMIN):
                versions.check(term.pk, opened)
                writing.revert_term(term, version)
        except versions.VersionConflict as exc:
            self.message_user(
                request, f"{exc} Nothing was reverted: look at its history again.", messages.ERROR
            )
            return redirect(back)
        except IntegrityError:
            self.message_user(
                request,
                f"Version {version.number} no longer fits the glossary: another term has "
                "its name or slug now, or its category is gone. Nothing was reverted.",
                messages.ERROR,
            )
            return redirect(back)
        self.message_user(request, f"“{term}” is back as version {version.number} had it.")
        return redirect(back)

    # ------------------------------------------------------------------ trash

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_trash": self.has_delete_permission(request)}
        return super().changelist_view(request, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        """Move a term to the trash, refused if it changed since the version the asking page
        showed (the change form's Delete link names it; else the confirmation page's)."""
        term = self.get_object(request, unquote(object_id))
        if term is None or not self.has_delete_permission(request, term):
            return super().delete_view(request, object_id, extra_context)
        if request.method == "POST":
            opened = _int(request.POST.get("opened_version"))
            if opened is not None:
                try:
                    versions.check(term.pk, opened)  # holds the term until the move is done
                except versions.VersionConflict as exc:
                    self.message_user(
                        request, f"{exc} Nothing was moved to the trash.", messages.ERROR
                    )
                    url = reverse("admin:terms_term_delete", args=[term.pk])
                    return redirect(f"{url}?version={opened}")
            return super().delete_view(request, object_id, extra_context)
        context = {**(extra_context or {}), "opened_version": term.version}
        opened = _int(request.GET.get("version"))
        if opened is not None and opened != term.version:
            context["conflict"] = versions.stamp(term.pk)
            context["conflict_changes"] = history.changes_since(term.pk, opened)
        return super().delete_view(request, object_id, context)

    def delete_model(self, request, obj):
        writing.trash_term(obj)

    def delete_queryset(self, request, queryset):
        with writing.batch(by=request.user, source=Source.ADMIN):
            for term in queryset:
                writing.trash_term(term)

    def response_delete(self, request, obj_display, obj_id):
        self.message_user(
            request,
            format_html(
                '“{}” is in the <a href="{}">trash</a>, where it can be restored.',
                obj_display,
                reverse("admin:terms_term_trash"),
            ),
        )
        return redirect("admin:terms_term_changelist")

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)  # it would say "deleted" of a move to the trash
        if action_location == admin.ActionLocation.CHANGE_LIST and self.has_delete_permission(
            request
        ):
            actions["trash_selected"] = self.get_action("trash_selected")
        return actions

    @admin.action(description="Move selected terms to the trash")
    def trash_selected(self, request, queryset):
        self.delete_queryset(request, queryset)
        self.message_user(request, f"{len(queryset)} terms moved to the trash.")

    def trash_view(self, request):
        """Trashed terms, newest first: restore them, or delete them for good (asked twice)."""
        if not self.has_delete_permission(request):
            raise PermissionDenied
        trashed = (
            Term.everything.filter(deleted_at__isnull=False)
            .select_related("category", "updated_by")
            .order_by("-deleted_at", "pk")
        )
        if request.method == "POST":
            ids = [pk for pk in map(_int, request.POST.getlist("term")) if pk is not None]
            chosen = list(trashed.filter(pk__in=ids))
            action = request.POST.get("action")
            if not chosen:
                self.message_user(request, "Select terms in the trash first.", messages.WARNING)
            elif action == "restore":
                with writing.batch(by=request.user, source=Source.ADMIN):
                    for term in chosen:
                        writing.restore_term(term)
                names = ", ".join(f"“{term}”" for term in chosen)
                self.message_user(request, f"Restored {names}.")
                return redirect("admin:terms_term_trash")
            elif action == "delete" and request.POST.get("confirmed") == "yes":
                with writing.batch(by=request.user, source=Source.ADMIN):
                    for term in chosen:
                        writing.delete_term(term)
                self.message_user(request, f"{len(chosen)} terms deleted for good.")
                return redirect("admin:terms_term_trash")
            elif action == "delete":
                context = self._context(request, "Delete for good?", chosen=chosen)
                return TemplateResponse(
                    request, "admin/terms/term/trash_delete_confirmation.html", context
                )
            return redirect("admin:terms_term_trash")
        context = self._context(request, "Trash", trashed=trashed)
        return TemplateResponse(request, "admin/terms/term/trash.html", context)
