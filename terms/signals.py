"""Every signal receiver of the app, connected in TermsConfig.ready().

Saves and deletes of terms, their children, categories and providers keep the links
between terms and the search index current. Each receiver works inside a batch
(terms.writing.batch()): within a larger one it only notes the change; alone, it is a batch
of one. Raw saves (loaddata) are left alone: after a restore, `rebuild_search_index` and
`render_terms` bring both up to date in bulk.
"""

from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from terms import changes, linking, redirects, search, writing
from terms.models import (
    FAQ,
    Category,
    ContentGeneration,
    Provider,
    ProviderEquivalent,
    Term,
    UseCase,
)


def term_saving(sender, instance, raw=False, **kwargs):
    if not raw:
        linking.remember(instance)


def term_saved(sender, instance, created=False, raw=False, **kwargs):
    if raw:
        # loaddata sets the loaded term's relations next, by m2m_changed, which carries no
        # `raw`: marked, they are not taken for an edit (versions, history).
        instance.loaded_raw = True
        return
    with writing.batch():
        writing.touch(instance.pk)
        if created:
            changes.note_created(instance.pk)
        stored = getattr(instance, "stored_slug", None)
        if stored and stored != instance.slug:
            redirects.moved(instance, stored)
        instance.stored_slug = instance.slug
        linking.note_saved(instance)
        search.reindex_terms([instance.pk])


def term_deleting(sender, instance, **kwargs):
    linking.note_deleting(instance)
    changes.note_deleting(instance)


def term_deleted(sender, instance, **kwargs):
    # Its own index rows went with it (foreign key cascade); results that listed it go too.
    with writing.batch():
        search.reindex_terms([instance.pk])


def _deleting_term(origin):
    """Whether a delete started from terms (their children go with them)."""
    return isinstance(origin, Term) or (isinstance(origin, QuerySet) and origin.model is Term)


def child_changed(sender, instance, raw=False, origin=None, **kwargs):
    if raw or _deleting_term(origin):
        return
    with writing.batch():
        writing.touch(instance.term_id)
        if sender is FAQ:
            linking.note_faq(instance)
        search.reindex_terms([instance.term_id])


def related_changed(sender, instance, action, pk_set=None, **kwargs):
    """Both ends of a related-terms pair list it: both terms change (the admin's form)."""
    if getattr(instance, "loaded_raw", False):
        return
    if action == "pre_clear":
        writing.touch(instance.pk, *instance.related_terms.values_list("pk", flat=True))
    elif action in ("post_add", "post_remove"):
        writing.touch(instance.pk, *pk_set)


def see_also_changed(sender, instance, action, reverse=False, pk_set=None, **kwargs):
    """Only the term that lists others under see also changes."""
    if getattr(instance, "loaded_raw", False) or action not in (
        "post_add",
        "post_remove",
        "post_clear",
    ):
        return
    if reverse:
        writing.touch(*(pk_set or ()))
    else:
        writing.touch(instance.pk)


# What a term's API representation shows of its category and of its equivalents' providers.
SHOWN = {Category: ("name", "slug"), Provider: ("name", "short_name", "slug")}


def listing_saving(sender, instance, raw=False, **kwargs):
    if not raw and instance.pk:
        stored = sender.objects.filter(pk=instance.pk).values_list(*SHOWN[sender]).first()
        instance.shown_before = stored


def _shown_changed(instance):
    shown = tuple(getattr(instance, name) for name in SHOWN[type(instance)])
    return getattr(instance, "shown_before", shown) != shown


def category_saved(sender, instance, created=False, raw=False, **kwargs):
    if not (created or raw):
        pks = list(instance.terms.values_list("pk", flat=True))
        search.reindex_terms(pks)
        if _shown_changed(instance):
            with writing.batch():  # its terms' change stamps move, a few UPDATEs for all
                changes.note_changed(pks)


def provider_saved(sender, instance, created=False, raw=False, **kwargs):
    if not (created or raw):
        pks = set(instance.equivalents.values_list("term_id", flat=True))
        search.reindex_terms(pks)
        if _shown_changed(instance):
            with writing.batch():
                changes.note_changed(pks)


def listing_changed(sender, instance, raw=False, **kwargs):
    """Categories and providers have pages and list entries of their own, with or without
    terms: any change to one is a content change (cached pages key on the generation)."""
    if not raw:
        ContentGeneration.objects.bump()


def connect():
    pre_save.connect(term_saving, sender=Term, dispatch_uid="term_saving")
    post_save.connect(term_saved, sender=Term, dispatch_uid="term_saved")
    pre_delete.connect(term_deleting, sender=Term, dispatch_uid="term_deleting")
    post_delete.connect(term_deleted, sender=Term, dispatch_uid="term_deleted")
    for child in (UseCase, ProviderEquivalent, FAQ):
        name = child.__name__
        post_save.connect(child_changed, sender=child, dispatch_uid=f"{name}_saved")
        post_delete.connect(child_changed, sender=child, dispatch_uid=f"{name}_deleted")
    related = Term.related_terms.through
    m2m_changed.connect(related_changed, sender=related, dispatch_uid="related_changed")
    see_also = Term.see_also.through
    m2m_changed.connect(see_also_changed, sender=see_also, dispatch_uid="see_also_changed")
    post_save.connect(category_saved, sender=Category, dispatch_uid="category_saved")
    post_save.connect(provider_saved, sender=Provider, dispatch_uid="provider_saved")
    for listed in (Category, Provider):
        name = listed.__name__
        pre_save.connect(listing_saving, sender=listed, dispatch_uid=f"{name}_saving")
        post_save.connect(listing_changed, sender=listed, dispatch_uid=f"{name}_listed")
        post_delete.connect(listing_changed, sender=listed, dispatch_uid=f"{name}_unlisted")
