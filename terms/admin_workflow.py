"""The editorial workflow in the admin: status and its actions at the top of a term's form,
changelist actions, the draft of a published term's next version, and the roles' limits.

Kept apart from terms/admin.py (a mixin and the draft's own admin) so that the term admin
stays about editing; who may do what is terms.roles.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone

from terms import diffs, publishing, roles
from terms.admin_forms import OpenedVersionForm
from terms.drafts import TermDraft
from terms.models import Status, Term

# Workflow steps: (permission they need, as a roles check).
STEPS = {
    "submit": lambda user: user.has_perm("terms.change_term"),
    "start-draft": lambda user: user.has_perm("terms.add_termdraft"),
    "publish": roles.can_publish,
    "unpublish": roles.can_publish,
    "schedule": roles.can_publish,
}


class ScheduleForm(forms.Form):
    publish_at = forms.DateTimeField(
        label="Publish at", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class WorkflowAdminMixin:
    """Term admin: an Editor changes drafts and terms in review; a published term is read
    only to them (its next version is a draft). Status changes go through the workflow."""

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if allowed and obj is not None and obj.is_published:
            return roles.can_publish(request.user)
        return allowed

    def has_publish_permission(self, request):
        return roles.can_publish(request.user)

    def save_model(self, request, obj, form, change):
        if not change:
            # New terms start as drafts, whoever writes them: publishing is its own step.
            obj.status = Status.DRAFT
        super().save_model(request, obj, form, change)

    def get_urls(self):
        view = self.admin_site.admin_view(self.workflow_view)
        return [
            path("<path:object_id>/workflow/<slug:step>/", view, name="terms_term_workflow"),
            *super().get_urls(),
        ]

    def workflow_view(self, request, object_id, step):
        """POST: one workflow step on a term, then back to its form with what happened."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        term = self.get_object(request, unquote(object_id))
        if term is None or step not in STEPS:
            raise Http404
        if not STEPS[step](request.user):
            raise PermissionDenied
        back = reverse("admin:terms_term_change", args=[term.pk])
        try:
            done = self._run_step(request, term, step)
        except publishing.WorkflowError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(back)
        if isinstance(done, TermDraft):
            return HttpResponseRedirect(reverse("admin:terms_termdraft_change", args=[done.pk]))
        self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(back)

    def _run_step(self, request, term, step):
        user = request.user
        if step == "submit":
            publishing.submit(term, by=user)
            return f"“{term}” was submitted for review."
        if step == "publish":
            publishing.publish(term, by=user)
            return f"“{term}” is published."
        if step == "unpublish":
            publishing.unpublish(term, by=user)
            return f"“{term}” is unpublished: a draft again."
        if step == "schedule":
            form = ScheduleForm(request.POST)
            if not form.is_valid():
                raise publishing.WorkflowError("Give the date and time to publish at.")
            when = form.cleaned_data["publish_at"]
            publishing.schedule(term, when, by=user)
            return f"“{term}” will be published at {timezone.localtime(when):%Y-%m-%d %H:%M}."
        return publishing.start_draft(term, by=user)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        term = self.get_object(request, unquote(object_id))
        if term is not None:
            extra_context = {**(extra_context or {}), **self.workflow_context(request, term)}
        return super().change_view(request, object_id, form_url, extra_context)

    def workflow_context(self, request, term):
        """What the status bar at the top of the form shows and offers."""
        user = request.user
        return {
            "workflow": {
                "term": term,
                "live": term.is_published,
                "draft": publishing.pending_draft(term),
                "preview_url": reverse("terms:preview", args=[publishing.preview_token(term)]),
                "can": {step.replace("-", "_"): allowed(user) for step, allowed in STEPS.items()},
                "schedule_form": ScheduleForm(),
            }
        }

    # Changelist actions: each term through the same workflow function as its button.

    @admin.action(description="Submit selected terms for review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        self._each(request, queryset, publishing.submit, "submitted for review")

    @admin.action(description="Publish selected terms", permissions=["publish"])
    def publish_terms(self, request, queryset):
        self._each(request, queryset, publishing.publish, "published")

    @admin.action(description="Unpublish selected terms", permissions=["publish"])
    def unpublish_terms(self, request, queryset):
        self._each(request, queryset, publishing.unpublish, "unpublished")

    def _each(self, request, queryset, step, done):
        count = 0
        for term in queryset:
            try:
                step(term, by=request.user)
                count += 1
            except publishing.WorkflowError as exc:
                self.message_user(request, str(exc), messages.WARNING)
        self.message_user(request, f"{count} term(s) {done}.", messages.SUCCESS)

    WORKFLOW_ACTIONS = ["submit_for_review", "publish_terms", "unpublish_terms"]


class TermDraftForm(OpenedVersionForm):
    class Meta:
        model = TermDraft
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 40, "class": "vLargeTextField"})}

    def newer_version(self, opened):
        # Locked until the admin's transaction ends, so no save slips in between.
        current = (
            TermDraft.objects.select_for_update(of=("self",))
            .select_related("updated_by")
            .filter(pk=self.instance.pk)
            .first()
        )
        if current is None or current.version == opened:
            return None
        who = current.updated_by.get_username() if current.updated_by else "someone"
        when = timezone.localtime(current.updated_at).strftime("%Y-%m-%d %H:%M")
        return (
            current,
            current.version,
            f"This draft was changed by {who} at {when} since you opened it. Nothing was "
            "saved. Your text is kept below, and the differences to the saved draft are "
            "listed above it; save again to replace that draft with yours.",
        )

    def clean_text(self):
        text = self.cleaned_data["text"]
        try:
            publishing.parse_draft(text, self.instance.term)
        except publishing.WorkflowError as exc:
            raise forms.ValidationError(str(exc), code="bad_entry") from None
        return text


@admin.register(TermDraft)
class TermDraftAdmin(admin.ModelAdmin):
    """The next version of a published term, edited as its entry text."""

    form = TermDraftForm
    list_display = ["term", "status", "publish_at", "created_by", "updated_at"]
    list_filter = ["status"]
    readonly_fields = ["term", "status", "publish_at"]
    fields = ["term", "status", "publish_at", "text", "opened_version"]
    change_form_template = "admin/terms/termdraft/change_form.html"

    def save_model(self, request, obj, form, change):
        obj.version = F("version") + 1
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        obj.refresh_from_db(fields=["version"])

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if form.conflict is not None:
            yours = form.data.get(form.add_prefix("text"), "")
            context["conflict"] = form.conflict
            context["conflict_changes"] = [
                diffs.FieldChange("Entry text", diffs.word_diff(form.conflict.text, yours), None)
            ]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def has_add_permission(self, request):
        return False  # begun from the published term's form ("Start a draft")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        draft = self.get_object(request, unquote(object_id))
        if draft is not None:
            term_admin = self.admin_site.get_model_admin(Term)
            extra_context = {
                **(extra_context or {}),
                **term_admin.workflow_context(request, draft.term),
            }
        return super().change_view(request, object_id, form_url, extra_context)
