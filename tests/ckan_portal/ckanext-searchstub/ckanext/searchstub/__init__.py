"""Test-only CKAN plugin: package search without Solr. Never shipped."""
