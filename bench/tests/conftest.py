# The suite's own autouse fixtures: every test starts with empty caches, static files unhashed.
from tests.conftest import _empty_cache, _unhashed_static_files  # noqa: F401
