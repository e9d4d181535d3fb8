"""Views of the coding app, one module per area; each module exports ``urlpatterns``."""
