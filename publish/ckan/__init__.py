"""The CKAN target: client, metadata, plan, package, datastore, lease, alias, dcat, translations, rows."""
