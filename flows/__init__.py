"""Prefect flows: thin wrappers that run the core's steps as tasks and publish the result."""
