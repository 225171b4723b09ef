"""The editors' workspace: terms with their children inline, categories and providers."""

import io
import zipfile

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse

from terms import diffs, health, linking, rendering, textformat, versions, writing
from terms.admin_forms import OpenedVersionForm
from terms.admin_history import HistoryAdminMixin
from terms.admin_import import ImportAdminMixin
from terms.admin_markdown import MarkdownPreviewAdminMixin
from terms.admin_workflow import WorkflowAdminMixin
from terms.importers import export_term
from terms.models import (
    FAQ,
    Category,
    Provider,
    ProviderEquivalent,
    SlugRedirect,
    Source,
    Term,
    UseCase,
)


class LinesField(forms.CharField):
    """A list of short strings edited as one per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        # Only newlines separate items: str.splitlines() also splits at U+2028, U+0085 and
        # form feeds, which an imported alias may hold.
        lines = [line.strip() for line in text.split("\n")]
        return [line for line in lines if line]


class TermAdminForm(OpenedVersionForm):
    aliases = LinesField(required=False, help_text=Term._meta.get_field("aliases").help_text)

    class Meta:
        model = Term
        fields = [
            "name",
            "slug",
            "aliases",
            "category",
            "difficulty",
            "definition",
            "related_terms",
            "see_also",
            "no_equivalent_on",
        ]
        widgets = {"no_equivalent_on": forms.CheckboxSelectMultiple}

    def newer_version(self, opened):
        try:
            # Locks the term until the admin's transaction ends: no write slips in between.
            versions.check(self.instance.pk, opened)
        except versions.VersionConflict as conflict:
            return (
                conflict.current,  # the newer version's Stamp
                conflict.current.version,
                f"{conflict} Nothing was saved. Your input is kept below, and the differences "
                "to the saved version are listed above it; save again to replace that "
                "version with yours.",
            )
        return None

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = Term.everything.filter(name__iexact=name).exclude(pk=self.instance.pk).first()
        if clash and clash.deleted_at:
            raise forms.ValidationError(
                "“%(other)s” is in the trash; restore it from there instead.",
                code="duplicate_name_in_trash",
                params={"other": clash.name},
            )
        if clash:
            raise forms.ValidationError(
                "“%(other)s” already exists; names must differ by more than letter case.",
                code="duplicate_name",
                params={"other": clash.name},
            )
        return name

    def clean_aliases(self):
        aliases = self.cleaned_data["aliases"]
        cap = textformat.MAX_ITEMS[textformat.ALIASES]
        if len(aliases) > cap:
            raise forms.ValidationError(
                "At most %(cap)d aliases.", code="too_many", params={"cap": cap}
            )
        return aliases

    def _not_self(self, field):
        terms = self.cleaned_data.get(field)
        if terms is not None and self.instance.pk and terms.filter(pk=self.instance.pk).exists():
            raise forms.ValidationError("A term cannot link to itself.", code="self_link")
        return terms

    def clean_related_terms(self):
        return self._not_self("related_terms")

    def clean_see_also(self):
        return self._not_self("see_also")


class ProviderEquivalentForm(forms.ModelForm):
    former_names = LinesField(
        required=False,
        help_text=ProviderEquivalent._meta.get_field("former_names").help_text,
        widget=forms.Textarea(attrs={"rows": 1, "cols": 14}),
    )

    class Meta:
        model = ProviderEquivalent
        fields = ["provider", "service", "note", "url", "former_names", "verified_on", "position"]
        # Narrow inputs, so that every column fits a laptop's width (tests/test_browser_term_form).
        widgets = {
            "service": forms.TextInput(attrs={"size": 14}),
            "note": forms.TextInput(attrs={"size": 14}),
            "url": forms.URLInput(attrs={"size": 14}),
            "verified_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "position": forms.NumberInput(attrs={"class": "position-input"}),
        }


class CappedInline:
    """Refuses more forms than max_num, as a crafted POST may send (Django only hides the
    "Add another" link)."""

    def get_formset(self, request, obj=None, **kwargs):
        return super().get_formset(request, obj, validate_max=True, **kwargs)


# The caps of the text format and the API, so that every term exports and imports again.
# Children take a row or two each: short texts side by side, long ones a few lines high.
SHORT_TEXT = forms.Textarea(attrs={"rows": 3, "cols": 60})


class UseCaseInline(CappedInline, admin.StackedInline):
    model = UseCase
    extra = 0
    max_num = textformat.MAX_ITEMS[textformat.USE_CASES]
    fields = [("organization", "title", "position"), ("description", "outcome")]
    classes = ["collapse"]  # opened by the editor, or by an error in it
    formfield_overrides = {models.TextField: {"widget": SHORT_TEXT}}


class ProviderEquivalentInline(CappedInline, admin.TabularInline):
    model = ProviderEquivalent
    form = ProviderEquivalentForm
    extra = 0
    max_num = textformat.MAX_ITEMS[textformat.EQUIVALENTS]
    fields = ["provider", "service", "note", "url", "former_names", "verified_on", "position"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "provider":
            # The four providers are set up once: the add, change and delete icons beside
            # each row's select would only cost the width the other columns need.
            field.widget = field.widget.widget
        return field


class FAQInline(CappedInline, admin.StackedInline):
    model = FAQ
    extra = 0
    max_num = textformat.MAX_ITEMS[textformat.FAQS]
    fields = [("question", "position"), "answer"]
    formfield_overrides = {models.TextField: {"widget": SHORT_TEXT}}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "question":
            kwargs["widget"] = forms.TextInput(attrs={"size": 70})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.action(description="Download selected terms as text entries (.zip)")
def download_entries(modeladmin, request, queryset):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for term in queryset.with_related():
            archive.writestr(f"{term.slug}.txt", export_term(term))
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="glossary-entries.zip"'
    return response


def unresolved_links(term):
    """Names in the term's [[links]] (definition and FAQ answers) that match no term."""
    if term is None:
        return []
    index, _ = linking.link_index()
    texts = [term.definition, *term.faqs.values_list("answer", flat=True)]
    names = (name for text in texts for name in rendering.missing_links(text, index))
    return list(dict.fromkeys(names))


class HealthFilter(admin.SimpleListFilter):
    title = "content health"
    parameter_name = "health"

    def lookups(self, request, model_admin):
        return [(key, problem.label) for key, problem in health.PROBLEMS.items()]

    def queryset(self, request, queryset):
        if self.value() in health.PROBLEMS:
            return queryset.with_problem(self.value())
        return queryset


def _input_rows(formset, fields):
    """The children an inline formset would save, as dicts of their fields: deleted and
    untouched blank rows left out."""
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if data.get("DELETE") or (form.instance.pk is None and not form.has_changed()):
            continue
        rows.append({name: data.get(name, form[name].value()) for name in fields})
    return rows


def input_snapshot(form, formsets):
    """The version an editor's unsaved change form holds (terms.diffs.snapshot)."""
    data = form.cleaned_data
    by_model = {fs.formset.model: fs.formset for fs in formsets}
    providers = {str(p.pk): p for p in Provider.objects.all()}
    equivalents = _input_rows(
        by_model[ProviderEquivalent],
        ["provider", "service", "note", "url", "former_names", "verified_on"],
    )
    for row in equivalents:  # a row that failed validation holds the provider's raw pk
        row["provider"] = providers.get(str(row["provider"]), row["provider"])
    return diffs.snapshot(
        name=data.get("name", ""),
        slug=data.get("slug", ""),
        aliases=data.get("aliases", []),
        category=data.get("category"),
        difficulty=data.get("difficulty", ""),
        definition=data.get("definition", ""),
        related_terms=data.get("related_terms", []),
        see_also=data.get("see_also", []),
        no_equivalent_on=data.get("no_equivalent_on", []),
        use_cases=_input_rows(
            by_model[UseCase], ["organization", "title", "description", "outcome"]
        ),
        equivalents=equivalents,
        faqs=_input_rows(by_model[FAQ], ["question", "answer"]),
    )


@admin.register(Term)
class TermAdmin(
    WorkflowAdminMixin,
    HistoryAdminMixin,
    ImportAdminMixin,
    MarkdownPreviewAdminMixin,
    admin.ModelAdmin,
):
    form = TermAdminForm
    inlines = [UseCaseInline, ProviderEquivalentInline, FAQInline]
    list_display = ["name", "status", "category", "difficulty", "updated_at"]
    list_filter = [
        "status",
        HealthFilter,
        "category",
        "difficulty",
        ("provider_equivalents__provider", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["category"]
    search_fields = ["name", "aliases", "definition"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["related_terms", "see_also"]
    date_hierarchy = "updated_at"
    actions = [download_entries, *WorkflowAdminMixin.WORKFLOW_ACTIONS]
    save_on_top = True
    # What every edit touches first; the rarely changed parts fold away (and open on an error).
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("name", "slug"),
                    ("category", "difficulty"),
                    "aliases",
                    "definition",
                    "opened_version",
                ]
            },
        ),
        ("Links", {"fields": ["related_terms", "see_also"], "classes": ["collapse"]}),
        ("Provider coverage", {"fields": ["no_equivalent_on"], "classes": ["collapse"]}),
    ]
    change_list_template = "admin/terms/term/change_list.html"

    class Media:
        js = ["js/admin-markdown-preview.js"]

    # Each view's saves and deletes, inlines and all, are one batch: links are rendered and
    # search reindexed once, and the term's version counts up once, as changed by the editor.
    def changeform_view(self, request, *args, **kwargs):
        with writing.batch(by=request.user, source=Source.ADMIN):
            return super().changeform_view(request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        with writing.batch(by=request.user, source=Source.ADMIN):
            return super().delete_view(request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        with writing.batch(by=request.user, source=Source.ADMIN):
            return super().changelist_view(request, *args, **kwargs)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if form.conflict is not None:
            saved = Term.objects.with_related().prefetch_related("no_equivalent_on").get(pk=obj.pk)
            yours = input_snapshot(form, context["inline_admin_formsets"])
            context["conflict_changes"] = diffs.compare(diffs.stored_snapshot(saved), yours)
            context["conflict"] = form.conflict
        return super().render_change_form(request, context, add, change, form_url, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        term = self.get_object(request, unquote(object_id))
        extra_context = {**(extra_context or {}), "missing_links": unresolved_links(term)}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        health_view = self.admin_site.admin_view(self.health_view)
        return [
            path("health/", health_view, name="terms_term_health"),
            *super().get_urls(),
        ]

    def health_view(self, request):
        """How many terms miss what readers expect, by problem, each linked to its list."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        counts = Term.objects.problem_counts()
        changelist = reverse("admin:terms_term_changelist")
        problems = [
            {
                "label": problem.label,
                "description": problem.description,
                "count": counts[key],
                "url": f"{changelist}?{HealthFilter.parameter_name}={key}",
            }
            for key, problem in health.PROBLEMS.items()
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Content health",
            "problems": problems,
            "term_count": Term.objects.count(),
        }
        return TemplateResponse(request, "admin/terms/term/health.html", context)


@admin.register(SlugRedirect)
class SlugRedirectAdmin(admin.ModelAdmin):
    """Old slugs of renamed terms. Renames make them; deleting one frees its slug for
    another term, and its old URLs then answer 404."""

    list_display = ["slug", "term", "created_at"]
    search_fields = ["slug", "term__name", "term__slug"]
    list_select_related = ["term"]
    readonly_fields = ["slug", "term", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "term_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).with_term_count()

    @admin.display(description="terms", ordering="term_count")
    def term_count(self, category):
        return category.term_count


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["short_name", "name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name", "short_name"]
    prepopulated_fields = {"slug": ["short_name"]}


# Registered with the admin site when this module loads.
from terms import admin_webhooks  # noqa: E402, F401
