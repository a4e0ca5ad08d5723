"""infra-kit."""
