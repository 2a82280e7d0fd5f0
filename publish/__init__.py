"""Publishing targets: where a built dataset goes (a local catalog, or a CKAN portal).

Targets build on the core (``opendata``) and know nothing of Prefect.
"""
