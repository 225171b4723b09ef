from django.contrib.sitemaps.views import sitemap
from django.urls import path

from terms import views
from terms.feeds import RecentTermsFeed
from terms.preview import PreviewView
from terms.sitemaps import SITEMAPS

app_name = "terms"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("terms/", views.TermListView.as_view(), name="term-list"),
    path("terms/<slug:slug>/", views.TermDetailView.as_view(), name="term-detail"),
    path("categories/", views.CategoryListView.as_view(), name="category-list"),
    path("categories/<slug:slug>/", views.CategoryDetailView.as_view(), name="category-detail"),
    path("providers/", views.ProviderListView.as_view(), name="provider-list"),
    path("providers/<slug:slug>/", views.ProviderDetailView.as_view(), name="provider-detail"),
    path("compare/", views.CompareView.as_view(), name="compare"),
    # <str:>, not <slug:>: service names need not be English, and a variant is redirected.
    path(
        "compare/<slug:provider>/<str:service>/",
        views.CompareServiceView.as_view(),
        name="compare-service",
    ),
    # Signed, expiring links to a draft as readers will see it (terms.preview).
    path("preview/<str:token>/", PreviewView.as_view(), name="preview"),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.search_suggest, name="search-suggest"),
    path("feed/", RecentTermsFeed(), name="feed"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
]
