"""GET /api/v1/sync/: keeping a copy of the glossary, deletions included, in the manner of
Contentful's Sync API.

Without a token it lists every live term, whole, in pages; the last page hands out a
`next_sync_token`. With that token it lists what changed since (`items`, whole terms as
they are now) and what readers lost (`deleted`: trashed, deleted for good or unpublished),
read from the change log (terms.changes). Tokens are signed, so they survive restarts and
cannot be forged; they carry the log's sequence and whether they see drafts.
"""

from django.core import signing
from django.db.models import Max, Q
from django.urls import reverse
from django.utils.http import urlencode
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework import serializers as drf
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from terms import roles
from terms.api_headers import RateLimitHeadersMixin
from terms.changes import Change
from terms.models import Term
from terms.pagination import PageNumberWithSizePagination
from terms.query_params import QueryParamsMixin
from terms.serializers import TermDetailSerializer, iso_datetime

SALT = "terms.sync"
PUBLIC, DRAFTS = "published", "drafts"


class SyncPagination(PageNumberWithSizePagination):
    """The list's page sizes: whole terms, at most 100 per page."""

    page_size = 100


# ---------------------------------------------------------------------------- tokens


def make_token(scope, since, *, cursor=None, after=None):
    """A token: the log's sequence `since` the client is up to, and where its paging is:
    past term id `after` while listing every term, or past change `cursor` in the changes."""
    state = {"v": 1, "scope": scope, "since": since}
    if after is not None:
        state["after"] = after
    if cursor is not None:
        state["cursor"] = cursor
    return signing.dumps(state, salt=SALT, compress=True)


def read_token(token):
    """The state a token carries; ValidationError naming `token` if it is not one of ours."""
    try:
        state = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        state = None
    valid = (
        isinstance(state, dict)
        and state.get("v") == 1
        and state.get("scope") in (PUBLIC, DRAFTS)
        and all(
            isinstance(state.get(key, 0), int) and state.get(key, 0) >= 0
            for key in ("since", "after", "cursor")
        )
        and "since" in state
    )
    if not valid:
        raise ValidationError(
            {"token": ["Not a sync token from this glossary: start again without one."]}
        )
    return state


# ---------------------------------------------------------------------------- pages


def _scope_terms(scope):
    terms = Term.objects.all() if scope == DRAFTS else Term.objects.published()
    return terms.with_related(public_links=scope == PUBLIC)


def _public_log():
    return Change.objects.filter(Q(visible=True) | Q(was_visible=True))


def _log(scope):
    """The changes a scope hears about: readers only of terms they saw or see."""
    return Change.objects.all() if scope == DRAFTS else _public_log()


def latest_sequence():
    return Change.objects.aggregate(latest=Max("id"))["latest"] or 0


def first_page(scope, since, after, size):
    """Every live term past id `after`, whole: (items, deleted, next token, done)."""
    terms = list(_scope_terms(scope).filter(pk__gt=after).order_by("pk")[: size + 1])
    more = len(terms) > size
    terms = terms[:size]
    if more:
        return terms, [], make_token(scope, since, after=terms[-1].pk), False
    return terms, [], make_token(scope, since, cursor=since), True


def changes_page(scope, since, cursor, size):
    """The terms changed after sequence `since` whose latest change is past `cursor`, in the
    order of that change: (items, deleted, next token, done)."""
    upto = latest_sequence()
    newest = (
        _log(scope)
        .filter(id__gt=since, id__lte=upto)
        .values("term_id")
        .annotate(last=Max("id"))
        .filter(last__gt=cursor)
        .order_by("last")
        .values_list("last", flat=True)[: size + 1]
    )
    last_ids = list(newest)
    more = len(last_ids) > size
    last_ids = last_ids[:size]
    rows = list(Change.objects.filter(id__in=last_ids).order_by("id"))
    found = _scope_terms(scope).in_bulk([row.term_id for row in rows])
    items = [found[row.term_id] for row in rows if row.term_id in found]
    deleted = [row for row in rows if row.term_id not in found]
    if more:
        return items, deleted, make_token(scope, since, cursor=last_ids[-1]), False
    return items, deleted, make_token(scope, upto, cursor=upto), True


# ---------------------------------------------------------------------------- the view


class DeletedSerializer(drf.Serializer):
    id = drf.IntegerField(help_text="The term's id, as in `items`: never reused.")
    slug = drf.CharField(help_text="Its slug when it was last seen.")
    at = drf.DateTimeField(help_text="When it was trashed, deleted or unpublished.")


class SyncPageSerializer(drf.Serializer):
    items = TermDetailSerializer(many=True, help_text="Terms added or changed, whole, as now.")
    deleted = DeletedSerializer(
        many=True, help_text="Terms gone since the token: drop them from your copy."
    )
    next_page_url = drf.URLField(
        required=False, help_text="Present while pages remain: fetch it next."
    )
    next_sync_token = drf.CharField(
        required=False, help_text="On the last page: keep it, and sync with it next time."
    )


class SyncView(RateLimitHeadersMixin, QueryParamsMixin, APIView):
    """Mirror the glossary: every term, then what changed and what was deleted since."""

    # Reads only; who may see drafts is checked below, against the scope asked for.
    permission_classes = [permissions.AllowAny]
    query_parameters = ("token", "page_size", "drafts")

    @extend_schema(
        operation_id="sync",
        parameters=[
            OpenApiParameter(
                "token",
                OpenApiTypes.STR,
                description="A `next_sync_token` (or the token in a `next_page_url`); "
                "without one, every live term is listed.",
            ),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": SyncPagination.max_page_size},
                description="Terms per page; at most 100.",
            ),
            OpenApiParameter(
                "drafts",
                OpenApiTypes.BOOL,
                description="Drafts and terms in review too: for users who may see them. "
                "A token remembers it.",
            ),
        ],
        responses={200: SyncPageSerializer},
        auth=[{}, {"tokenAuth": []}, {"cookieAuth": []}],
    )
    def get(self, request):
        size = SyncPagination().get_page_size(request)
        token = request.query_params.get("token")
        wanted = self._scope_asked(request)
        if token is None:
            scope = wanted or PUBLIC
            state = {"since": latest_sequence(), "after": 0}
        else:
            state = read_token(token)
            scope = state["scope"]
            if wanted and wanted != scope:
                raise ValidationError({"drafts": ["The token says otherwise: leave it out."]})
        if scope == DRAFTS and not roles.can_see_unpublished(request.user):
            raise PermissionDenied("Syncing drafts needs the permission to see them.")
        if "cursor" in state:
            items, deleted, next_token, done = changes_page(
                scope, state["since"], state["cursor"], size
            )
        else:
            items, deleted, next_token, done = first_page(
                scope, state["since"], state["after"], size
            )
        body = {
            "items": TermDetailSerializer(items, many=True, context={"request": request}).data,
            "deleted": [
                {"id": row.term_id, "slug": row.slug, "at": iso_datetime(row.at)} for row in deleted
            ],
        }
        if done:
            body["next_sync_token"] = next_token
        else:
            query = urlencode({"token": next_token, "page_size": size})
            body["next_page_url"] = request.build_absolute_uri(f"{reverse('api:sync')}?{query}")
        # Cache-Control as on every read (terms.page_cache): a page kept a minute hands out
        # an older token, from which the next sync still finds every change.
        return Response(body)

    @staticmethod
    def _scope_asked(request):
        asked = request.query_params.get("drafts")
        if asked is None:
            return None
        if asked not in ("true", "false", "1", "0"):
            raise ValidationError({"drafts": ["Give true or false."]})
        return DRAFTS if asked in ("true", "1") else PUBLIC
