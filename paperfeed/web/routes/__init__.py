"""Routes per resource; pages and their JSON twins call the same services."""
