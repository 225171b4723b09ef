"""Upsert entries in the text format into the database, and export terms back to it.

An import is all-or-nothing: every file is read and checked first, and the
writes happen in one transaction. A term whose stored content already equals
its entry is not written at all, so re-importing unchanged files is a no-op.
"""

import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower

from terms import diffs, redirects, textformat, writing
from terms.models import Category, Provider, SlugRedirect, Source, Status, Term

MAX_UPLOAD_BYTES = 20 * 2**20
# One entry is a few kilobytes; these bound what a single file or line may cost to read.
MAX_ENTRY_BYTES = 2**20


class ImportFailed(Exception):
    """The import was refused; `errors` lists every problem as "path:line: message"."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("\n".join(errors))


class ImportConflict(ImportFailed):
    """Another import or edit wrote the same terms between this import's checks and its
    writes; nothing was written, and running the import again settles it."""

    def __init__(self, cause):
        reason = (str(cause).strip().splitlines() or ["a uniqueness constraint"])[0]
        super().__init__(
            [
                "another import or edit wrote the same terms while this import ran "
                f"({reason}); nothing was imported, run the import again"
            ]
        )


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    categories_created: list[str] = field(default_factory=list)
    # (stored name, name in the entry) of each existing term the import renames.
    renamed: list[tuple[str, str]] = field(default_factory=list)
    # {name in the entry: terms.diffs FieldChanges} of each updated term, stored → imported.
    changes: dict[str, list] = field(default_factory=dict)


def entry_files(paths):
    """Entry files named by `paths`: files as given, folders searched for *.txt."""
    files, missing = [], []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(p for p in path.rglob("*.txt") if p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            missing.append(f"{path}: no such file or folder")
    if missing:
        raise ImportFailed(missing)
    return files


def parse_sources(sources):
    """Parse (name, bytes) pairs; raise ImportFailed listing every problem of every source.

    When some files do not parse, the others still get the import's checks against each
    other and the glossary, so one run reports every problem it can see.
    """
    entries, errors, unparsed_names = [], [], []
    for name, data in sources:
        try:
            entries.append(textformat.parse(textformat.decode(data, name), name))
        except textformat.ParseErrors as exc:
            errors += map(str, exc.errors)
            if exc.name:
                unparsed_names.append(exc.name)
    if errors:
        try:
            _Plan(entries, unparsed_names)
        except ImportFailed as exc:
            errors += exc.errors
        raise ImportFailed(errors)
    return entries


def upload_sources(uploaded_files, max_bytes=MAX_UPLOAD_BYTES):
    """(name, bytes) pairs from uploaded .txt entries and .zip archives of them.

    Sizes are checked before anything is read: the upload's as received, a zip member's as
    its archive declares it (inflating stops there too)."""
    too_big = ImportFailed([f"the upload holds more than {max_bytes // 2**20} MiB of entries"])
    sources, total, errors = [], 0, []
    for upload in uploaded_files:
        if upload.size > max_bytes:
            raise too_big
        if upload.name.lower().endswith(".zip"):
            try:
                archive = zipfile.ZipFile(upload)
                members = [m for m in archive.infolist() if m.filename.lower().endswith(".txt")]
                total += sum(member.file_size for member in members)
                if total > max_bytes:
                    raise too_big
                for member in sorted(members, key=lambda m: m.filename):
                    name = f"{upload.name}/{member.filename}"
                    if member.file_size > MAX_ENTRY_BYTES:
                        errors.append(_entry_too_big(name))
                    else:
                        with archive.open(member) as file:
                            sources.append((name, file.read(MAX_ENTRY_BYTES + 1)))
            except zipfile.BadZipFile:
                raise ImportFailed([f"{upload.name}: not a valid .zip archive"]) from None
        else:
            total += upload.size
            if total > max_bytes:
                raise too_big
            if upload.size > MAX_ENTRY_BYTES:
                errors.append(_entry_too_big(upload.name))
            else:
                sources.append((upload.name, upload.read()))
    if errors:
        raise ImportFailed(errors)
    return sources


def _entry_too_big(name):
    return f"{name}: over {MAX_ENTRY_BYTES // 2**10} KiB, too big for one entry; not read"


def read_files(paths):
    """(name, bytes) of each entry file, refusing files too big for an entry unread."""
    errors = [_entry_too_big(path) for path in paths if path.stat().st_size > MAX_ENTRY_BYTES]
    if errors:
        raise ImportFailed(errors)
    return ((str(path), path.read_bytes()) for path in paths)


def import_paths(paths, *, dry_run=False, rename=False, status=None, may_publish=True):
    """Import entry files and folders; see `import_entries`."""
    files = entry_files(paths)
    return import_entries(
        parse_sources(read_files(files)),
        dry_run=dry_run,
        rename=rename,
        status=status,
        may_publish=may_publish,
    )


def entry_for_term(term):
    """The Entry a term exports as; `term` should come from `Term.objects.with_related()`."""
    return textformat.Entry(
        name=term.name,
        definition=term.definition,
        category=term.category.slug,
        difficulty=term.difficulty,
        aliases=list(term.aliases),
        use_cases=[
            textformat.UseCase(u.organization, u.title, u.description, u.outcome)
            for u in term.use_cases.all()
        ],
        equivalents=[
            textformat.Equivalent(e.provider.short_name, e.service, e.note)
            for e in term.provider_equivalents.all()
        ],
        faqs=[textformat.FAQ(f.question, f.answer) for f in term.faqs.all()],
        related=_links(term.related_terms.all()),
        see_also=_links(term.see_also.all()),
    )


def export_term(term):
    """The text `export_glossary` writes for a term."""
    return textformat.serialize(entry_for_term(term))


def _links(terms):
    return [textformat.Link(t.name) for t in sorted(terms, key=lambda t: t.name.lower())]


class _Plan:
    """Everything an import needs to know before it writes anything."""

    def __init__(self, entries, unparsed_names=()):
        """`unparsed_names` name terms whose files did not parse: links to them are not unknown."""
        self.errors = []
        self.entries = entries
        self.unparsed_names = unparsed_names
        self.providers = Provider.objects.by_short_name()
        self._check_names()
        self._check_trash()
        self._check_redirects()
        self.existing = self._existing_terms()
        self.targets = self._resolve_links()
        self.related_by = {}  # name: names of the entries that list it as related
        for entry in entries:
            for link in entry.related:
                self.related_by.setdefault(link.name.lower(), set()).add(entry.name.lower())
        self._check_providers()
        if self.errors:
            raise ImportFailed(self.errors)

    def _check_names(self):
        first_by_slug = {}
        for entry in self.entries:
            if not entry.slug:
                self.errors.append(f"{entry.source}:1: the name '{entry.name}' gives no URL slug")
                continue
            other = first_by_slug.setdefault(entry.slug, entry)
            if other is not entry:
                self.errors.append(
                    f"{entry.source}:1: the term '{entry.name}' is also defined in {other.source}"
                )

    def _check_trash(self):
        """Entries naming a trashed term: a new term may not take its name or slug."""
        slugs = {entry.slug: entry for entry in self.entries}
        names = {entry.name.lower(): entry for entry in self.entries}
        trashed = Term.everything.filter(deleted_at__isnull=False).alias(lower_name=Lower("name"))
        for name, slug in trashed.filter(Q(slug__in=slugs) | Q(lower_name__in=names)).values_list(
            "name", "slug"
        ):
            entry = slugs.get(slug) or names[name.lower()]
            self.errors.append(
                f"{entry.source}:1: the term '{name}' is in the trash; restore it in the admin "
                "(or delete it for good) before importing it"
            )

    def _check_redirects(self):
        """Entries taking an old slug that redirects to another term (matched by name, an
        entry renaming its term back to an old slug of its own is fine)."""
        owners = dict(
            SlugRedirect.objects.filter(
                slug__in=[entry.slug for entry in self.entries]
            ).values_list("slug", "term__name")
        )
        for entry in self.entries:
            owner = owners.get(entry.slug)
            if owner is not None and owner.lower() != entry.name.lower():
                self.errors.append(
                    f"{entry.source}:1: {redirects.taken_message(entry.slug, owner)}"
                )

    def _existing_terms(self):
        """Stored terms matching an entry, by slug or else by case-insensitive name."""
        slugs = [entry.slug for entry in self.entries]
        names = [entry.name.lower() for entry in self.entries]
        found = Term.objects.with_related().alias(lower_name=Lower("name"))
        found = list(found.filter(Q(slug__in=slugs) | Q(lower_name__in=names)))
        by_slug = {term.slug: term for term in found}
        by_name = {term.name.lower(): term for term in found}
        return {
            entry.slug: by_slug.get(entry.slug) or by_name.get(entry.name.lower())
            for entry in self.entries
        }

    def _resolve_links(self):
        """Map every name in Related Terms / See Also to the name of a term that exists."""
        names = (*self.unparsed_names, *(entry.name for entry in self.entries))
        in_import = {name.lower(): name for name in names}
        wanted = {
            link.name.lower()
            for entry in self.entries
            for link in (*entry.related, *entry.see_also)
        } - in_import.keys()
        stored = {
            name.lower(): name
            for name in Term.objects.alias(lower_name=Lower("name"))
            .filter(lower_name__in=wanted)
            .values_list("name", flat=True)
        }
        targets = {**stored, **in_import}
        for entry in self.entries:
            for section, links in (
                ("related term", entry.related),
                ("see-also term", entry.see_also),
            ):
                for link in links:
                    key = link.name.lower()
                    if key == entry.name.lower():
                        self.errors.append(
                            f"{entry.source}:{link.line}: a term cannot name itself as a {section}"
                        )
                    elif key not in targets:
                        self.errors.append(
                            f"{entry.source}:{link.line}: {section} '{link.name}' not found "
                            "in this import or the glossary"
                        )
        return targets

    def _check_providers(self):
        known = ", ".join(p.short_name for p in self.providers.values())
        for entry in self.entries:
            for equivalent in entry.equivalents:
                if equivalent.provider.lower() not in self.providers:
                    self.errors.append(
                        f"{entry.source}:{equivalent.line}: unknown provider "
                        f"'{equivalent.provider}' (known: {known})"
                    )

    def expected(self, entry):
        """The entry as it will read once stored: canonical names, order and relations."""
        related = {link.name.lower() for link in entry.related}
        # Related terms are symmetrical: naming A in B's file relates A to B as well.
        related |= self.related_by.get(entry.name.lower(), set())
        see_also = {link.name.lower() for link in entry.see_also}
        order = {short: i for i, short in enumerate(self.providers)}
        equivalents = sorted(
            (
                replace(e, provider=self.providers[e.provider.lower()].short_name)
                for e in entry.equivalents
            ),
            key=lambda e: order[e.provider.lower()],
        )
        return replace(
            entry,
            equivalents=equivalents,
            related=self._canonical_links(related),
            see_also=self._canonical_links(see_also),
        )

    def _canonical_links(self, keys):
        names = sorted((self.targets[key] for key in keys), key=str.lower)
        return [textformat.Link(name) for name in names]


def import_entries(entries, *, dry_run=False, rename=False, status=None, may_publish=True, by=None):
    """Upsert parsed entries by slug in one transaction, as changed `by` that user (None:
    a script); raise ImportFailed on any problem.

    An entry whose name differs from the stored term it matches (`Café` for `Cafe`, or only
    in letter case) renames that term: a dry run reports it, an import needs `rename`.
    `status` (a terms.models.Status) is given to every term written; None leaves existing
    terms' status as it is and publishes new ones. Without `may_publish` (an Editor) new
    terms are drafts, and publishing or changing a published term is refused.
    """
    plan = _Plan(entries)
    if not may_publish:
        _check_may_not_publish(entries, plan, status)
        status = status or Status.DRAFT
    try:
        return _write(entries, plan, dry_run, rename, status, by)
    except IntegrityError as exc:
        # The plan checked every name against the glossary, so a constraint only fires when
        # someone else wrote after the check.
        raise ImportConflict(exc) from exc


def _check_may_not_publish(entries, plan, status):
    if status == Status.PUBLISHED:
        raise ImportFailed(["only a Publisher may import terms as published"])
    live = [
        f"{entry.source}:1: '{term.name}' is published; only a Publisher may change it by "
        "import (an Editor works on a draft of its next version in the admin)"
        for entry in entries
        if (term := plan.existing[entry.slug]) is not None
        and term.status == Status.PUBLISHED
        and entry_for_term(term) != plan.expected(entry)
    ]
    if live:
        raise ImportFailed(live)


def apply_entry(term, entry):
    """Write `entry` over the stored `term`, whatever name the entry gives it, with an
    import's checks (the next version of a published term); raise ImportFailed."""
    plan = _Plan([entry])
    plan.existing[entry.slug] = Term.objects.with_related().get(pk=term.pk)
    try:
        return _write([entry], plan, dry_run=False, rename=True, status=None)
    except IntegrityError as exc:
        raise ImportConflict(exc) from exc


def _write(entries, plan, dry_run, rename, status, by=None):
    report = ImportReport()
    renames = [
        (entry, term)
        for entry in entries
        if (term := plan.existing[entry.slug]) is not None and term.name != entry.name
    ]
    if renames and not (rename or dry_run):
        raise ImportFailed(
            [
                f"{entry.source}:1: '{entry.name}' would rename the existing term '{term.name}'; "
                "import with --rename (admin: 'Rename existing terms') if that is meant"
                for entry, term in renames
            ]
        )
    report.renamed = [(term.name, entry.name) for entry, term in renames]
    with transaction.atomic(), writing.batch(by=by, source=Source.IMPORT):
        categories = _categories(entries, report)
        changed = []
        for entry in entries:
            expected = plan.expected(entry)
            term = plan.existing[entry.slug]
            same_status = status is None or (term is not None and term.status == status)
            if term is not None and same_status and entry_for_term(term) == expected:
                report.unchanged.append(entry.name)
                continue
            (report.updated if term else report.created).append(entry.name)
            fields = {"status": status or Status.PUBLISHED} if term is None or status else {}
            if term is not None:
                report.changes[entry.name] = _changes(term, expected, status)
            written = _write_term(term, expected, categories, plan.providers, fields)
            changed.append((written, expected))
        # Relations last: they may point at terms this import creates.
        ids = _ids_by_name({link.name for _, e in changed for link in (*e.related, *e.see_also)})
        writing.set_links(
            {
                term.pk: {
                    "related_terms": [ids[link.name.lower()] for link in expected.related],
                    "see_also": [ids[link.name.lower()] for link in expected.see_also],
                }
                for term, expected in changed
            }
        )
        if dry_run:
            transaction.set_rollback(True)
    return report


def entry_snapshot(entry):
    """An Entry as terms.diffs compares versions (the text format holds no provider gaps)."""
    return diffs.snapshot(
        name=entry.name,
        slug=entry.slug,
        aliases=entry.aliases,
        category=entry.category,
        difficulty=entry.difficulty,
        definition=entry.definition,
        related_terms=[link.name for link in entry.related],
        see_also=[link.name for link in entry.see_also],
        no_equivalent_on=[],
        use_cases=[vars(u) for u in entry.use_cases],
        equivalents=[vars(e) for e in entry.equivalents],
        faqs=[vars(f) for f in entry.faqs],
    )


def _changes(term, expected, status):
    """What importing `expected` changes of the stored `term`: its status, then its content."""
    changes = diffs.compare(entry_snapshot(entry_for_term(term)), entry_snapshot(expected))
    if status and status != term.status:
        old, new = Status(term.status).label, Status(status).label
        changes.insert(0, diffs.FieldChange("Status", diffs.word_diff(old, new), None))
    return changes


def _ids_by_name(names):
    lowered = {name.lower() for name in names}
    terms = Term.objects.alias(lower_name=Lower("name")).filter(lower_name__in=lowered)
    return {name.lower(): pk for pk, name in terms.values_list("pk", "name")}


def _categories(entries, report):
    slugs = {entry.category for entry in entries}
    categories = {c.slug: c for c in Category.objects.filter(slug__in=slugs)}
    for slug in sorted(slugs - categories.keys()):
        categories[slug] = Category.objects.create(slug=slug, name=Category.name_from_slug(slug))
        report.categories_created.append(slug)
    return categories


def _write_term(term, entry, categories, providers, fields):
    """Write one term and its children as the entry has them, and these other `fields`."""
    return writing.replace_term(
        term or Term(slug=entry.slug),
        {
            "name": entry.name,
            "definition": entry.definition,
            "category": categories[entry.category],
            "difficulty": entry.difficulty,
            "aliases": list(entry.aliases),
            **fields,
        },
        use_cases=[
            {
                "organization": u.organization,
                "title": u.title,
                "description": u.description,
                "outcome": u.outcome,
            }
            for u in entry.use_cases
        ],
        equivalents=[
            {"provider": providers[e.provider.lower()], "service": e.service, "note": e.note}
            for e in entry.equivalents
        ],
        faqs=[{"question": f.question, "answer": f.answer} for f in entry.faqs],
    )
