"""The next version of a published term, worked on while readers keep seeing the live one.

The draft holds the whole term in the entry text format (terms.textformat), so editing it
never touches the live rows; publishing applies it through the importer's checks and
terms.writing.replace_term, the one write path (terms.publishing.publish_draft).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class DraftStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"


class TermDraft(models.Model):
    term = models.OneToOneField("terms.Term", on_delete=models.CASCADE, related_name="next_draft")
    text = models.TextField(help_text="The whole term in the entry text format.")
    status = models.CharField(max_length=10, choices=DraftStatus, default=DraftStatus.DRAFT)
    # Scheduled drafts are applied by `publish_scheduled`; until then readers see the live term.
    publish_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)
    # Counted up by every save of the text: an editor's form that opened an older one is
    # refused (terms.admin_workflow.TermDraftForm), as the term's own form is.
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-updated_at", "pk"]
        verbose_name = "draft of a published term"
        verbose_name_plural = "drafts of published terms"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DraftStatus.values), name="termdraft_status_valid"
            ),
        ]

    def __str__(self):
        return f"Next version of {self.term}"
